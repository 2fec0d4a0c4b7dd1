// Interfaces the core needs from the outside world. Drivers in src/drivers implement them;
// tests implement them with fakes. Core never imports a driver package (DESIGN.md section 1).
import type { LotShards } from './citus/shard-statements.js';

/** Time is an input (DESIGN.md invariant 5). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock stopped at one instant: `--now` / `PARKCTL_NOW`. */
export function fixedClock(at: Date): Clock {
  return { now: () => new Date(at.getTime()) };
}

/** The smallest thing core needs from PostgreSQL: a pg.Pool, a pg.Client and a transaction client all fit. */
export interface Queryable {
  query<R extends Record<string, unknown> = Record<string, unknown>>(
    text: string | NamedQuery,
    values?: readonly unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>;
}

/** A statement the connection prepares once and reuses by name (hot paths only). */
export interface NamedQuery {
  name: string;
  text: string;
  values?: readonly unknown[];
  /**
   * The statement carries its own idempotency key (an external ref): run again after its answer was
   * lost, it returns what the first run did instead of doing it twice, so a pool may retry it.
   */
  idempotent?: boolean;
}

/** A pool that can lend one connection for a transaction. */
export interface PoolLike extends Queryable {
  connect(): Promise<Queryable & { release(err?: Error | boolean): void }>;
}

/** What a payment provider answers when asked to collect money for a reservation. */
export interface CheckoutRequest {
  reservationId: string;
  lotId: number;
  lotCode: string;
  amountMinor: number;
  /** ISO 4217, upper-case */
  currency: string;
  /** the hold's end: the checkout must not outlive it */
  expiresAt: Date;
  customerRef: string;
  /** the same key always yields the same checkout (retries never create a second one) */
  idempotencyKey: string;
  /**
   * A drive-up ticket's fee instead of a booking (issue 15): reservationId then carries the ticket id
   * (the session's reference), and the metadata names the ticket, not a reservation.
   */
  ticket?: { ticketId: string; number: string; visitId: string };
  /** a permit's renewal (issue 15): reservationId then carries the permit id; paid, `periods` are added */
  permit?: { permitId: string; periods: number; holder: string };
}

export interface CheckoutResult {
  provider: string;
  /** where the customer pays; for cash, an instruction for people */
  paymentUrl: string;
  /** provider-side reference (checkout session id, ...) */
  providerRef: string | null;
}

export interface PaymentVerification {
  paid: boolean;
  amountMinor: number;
  currency: string;
  /** reservation id the provider has in its metadata, if any */
  reservationId: string | null;
  /** a ticket's payment link: the ticket id in its metadata */
  ticketId?: string | null;
  /** a permit's renewal link: the permit and how many periods it pays */
  permit?: { permitId: string; periods: number };
  providerRef: string;
  /** why not paid, for people */
  reason?: string;
  /** saved payment method for later off-session charges (never card data) */
  paymentMethodRef?: string | null;
  customerRefAtProvider?: string | null;
}

export interface PaymentProvider {
  readonly name: string;
  createCheckout(req: CheckoutRequest): Promise<CheckoutResult>;
  verifyPayment(token: string): Promise<PaymentVerification>;
}

// Payment capabilities beyond checkout: refunds (late payment with no spot left, cancellation policy)
// and off-session charges (overstay on the card on file). Stripe has both; cash has neither.
export interface RefundRequest {
  /** the provider's payment reference: for Stripe, the PaymentIntent id (`pi_...`) */
  paymentRef: string;
  /** integer minor units (cents); never more than what is left to refund */
  amountMinor: number;
  /** the same key never refunds twice, however often it is retried */
  idempotencyKey: string;
  /** free text for people, kept in the provider's metadata */
  reason?: string;
}

export interface RefundResult {
  /** provider-side refund id (`re_...`) */
  refundRef: string;
  /** provider status, e.g. succeeded | pending | failed */
  status: string;
}

export interface OffSessionChargeRequest {
  /** the customer at the provider (`cus_...`), from PaymentVerification.customerRefAtProvider */
  customerRef: string;
  /** the saved payment method (`pm_...`), from PaymentVerification.paymentMethodRef */
  paymentMethodRef: string;
  /** integer minor units (cents) */
  amountMinor: number;
  /** ISO 4217, upper-case */
  currency: string;
  /** the same key never charges twice */
  idempotencyKey: string;
  metadata: Record<string, string>;
}

export interface OffSessionChargeResult {
  /** true only when the money is taken; a decline is `paid: false` with a reason, never a throw */
  paid: boolean;
  /** the PaymentIntent id when the provider created one (also for declines), else null */
  providerRef: string | null;
  /** why not paid, for people (decline code and message) */
  reason?: string;
}

/** A provider that can give money back. */
export interface RefundingPaymentProvider extends PaymentProvider {
  refund(req: RefundRequest): Promise<RefundResult>;
}

/** A provider that can charge a saved card without the customer present. */
export interface OffSessionPaymentProvider extends PaymentProvider {
  chargeOffSession(req: OffSessionChargeRequest): Promise<OffSessionChargeResult>;
}

export function canRefund(p: PaymentProvider): p is RefundingPaymentProvider {
  return typeof (p as Partial<RefundingPaymentProvider>).refund === 'function';
}

export function canChargeOffSession(p: PaymentProvider): p is OffSessionPaymentProvider {
  return typeof (p as Partial<OffSessionPaymentProvider>).chargeOffSession === 'function';
}

/**
 * On Citus, a connection to the node that holds a lot's shard (issue 18): a single-lot statement sent there
 * skips the coordinator's hop. Any node with Citus's metadata answers for any lot (it routes the statement to
 * the shard wherever it is now), so an outdated route is slower, never wrong.
 */
export interface LotRoutes {
  /**
   * A connection to the lot's node, already open (release it after one statement), or null: use the main
   * database (not Citus, or the node could not be reached just now). Never throws for an unreachable node.
   */
  connect(lotId: number): Promise<LotNodeLease | null>;
  /** the lot's shards named in `lease.shards` are not (or no longer) on that node: read them again next time */
  forgetShards(lotId: number): void;
}

/** A connection to a lot's node, for one statement. */
export interface LotNodeLease extends Queryable {
  release(err?: Error | boolean): void;
  /** the lot's shards on this node by name (src/core/citus/shard-statements.ts), or null: none here, or unknown */
  shards: LotShards | null;
}

/** Redis or nothing. The cache never authorises (DESIGN.md invariant 7). */
export interface CapacityCache {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** drop every cached snapshot of one lot */
  invalidateLot(lotId: number): Promise<void>;
}

/**
 * Tells live screens that a lot changed (LISTEN/NOTIFY on `parkctl_events`), after commit and outside
 * any transaction. Fire and forget: a screen that misses one catches up on its next refresh.
 */
export interface ChangeNotifier {
  lotChanged(lotId: number): void;
  /** send what is pending (before a short-lived process exits) */
  flush(): Promise<void>;
}

/** Structured logs go to stderr, never into the Ink screen. */
export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
