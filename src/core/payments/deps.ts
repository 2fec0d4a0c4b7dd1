// What the money flows need: the database, the time, the provider (Stripe or the attendant) and who acts.
import type { ChangeDeps } from '../changes.js';
import type { Clock, Logger, PaymentProvider, PoolLike } from '../ports.js';

export interface PaymentDeps extends ChangeDeps {
  pool: PoolLike;
  clock: Clock;
  payments: PaymentProvider;
  /** who the audit trail names: `cli:alice`, `webhook:stripe` */
  actor: string;
  logger?: Logger | undefined;
}

/**
 * Providers whose money an attendant hands back by hand: their refunds are recorded `due`, never sent
 * (cash cannot be refunded by API). `card` is a card terminal at the exit, outside parkctl.
 */
export const attendantProviders: ReadonlySet<string> = new Set(['cash', 'manual', 'card']);
