// Shared set-up of the payments-*.test.ts files: a test database, a lot, the Stripe fake and a provider
// pointed at it, a clock the test moves. Not a test file itself (no .test suffix).
import type { Lot } from '../../src/core/lots/lot.js';
import type { PaymentDeps } from '../../src/core/payments/deps.js';
import type { Clock, PaymentProvider } from '../../src/core/ports.js';
import { reserve, type ReserveResult } from '../../src/core/reservations/reserve.js';
import { StripePaymentProvider } from '../../src/drivers/stripe/index.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { createTestLot, type TestLotOptions } from './lots.js';
import { startStripeFake, type StripeFake } from './stripe-fake.js';

export class MovableClock implements Clock {
  constructor(public at: Date) {}
  now(): Date {
    return new Date(this.at.getTime());
  }
  advanceMinutes(minutes: number): void {
    this.at = new Date(this.at.getTime() + minutes * 60_000);
  }
}

/** A Monday morning well ahead of the real clock (the fake judges checkout expiry by the real time). */
export const T0 = new Date('2031-03-03T08:00:00Z');
export const hours = (n: number) => n * 3_600_000;

export interface PaymentsHarness {
  db: TestDatabase;
  fake: StripeFake;
  stripe: StripePaymentProvider;
  clock: MovableClock;
  lot: Lot;
  deps(payments?: PaymentProvider): PaymentDeps;
  /** env for runCli: this database and the fake */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startPaymentsHarness(lotOptions: TestLotOptions = {}): Promise<PaymentsHarness> {
  const db = await createTestDatabase();
  const fake = await startStripeFake();
  const stripe = new StripePaymentProvider({
    apiKey: 'sk_test_parkctl', apiBase: fake.apiBase, successUrl: 'https://lot.example/ok?cs={CHECKOUT_SESSION_ID}',
    cancelUrl: 'https://lot.example/no', timeoutMs: 5_000, maxNetworkRetries: 0,
  });
  const clock = new MovableClock(T0);
  const lot = await createTestLot(db.pool, { spots: 1, ratePerHourMinor: 200, ...lotOptions });
  return {
    db, fake, stripe, clock, lot,
    deps: (payments = stripe) => ({ pool: db.pool, clock, payments, actor: 'test' }),
    env: { DATABASE_URL: db.url, STRIPE_SECRET_KEY: 'sk_test_parkctl', STRIPE_API_BASE: fake.apiBase, STRIPE_WEBHOOK_SECRET: 'whsec_test_parkctl' },
    async close() {
      await fake.close();
      await db.drop();
    },
  };
}

/** A reservation of the lot's regular spot for [start, start + 2 h). */
export function book(h: PaymentsHarness, o: { plate: string; startInHours: number; payments?: PaymentProvider; durationHours?: number }): Promise<ReserveResult> {
  const start = new Date(h.clock.now().getTime() + hours(o.startInHours));
  return reserve({ db: h.db.pool, clock: h.clock, payments: o.payments ?? h.stripe, actor: 'test' }, h.lot, {
    vehicleType: 'regular', start, end: new Date(start.getTime() + hours(o.durationHours ?? 2)), plate: o.plate, customerRef: `cust-${o.plate}`,
  });
}

/** The checkout session reserve created for a reservation. */
export async function checkoutOf(h: PaymentsHarness, reservationId: string): Promise<string> {
  const { rows } = await h.db.pool.query<{ ref: string }>(`select coalesce(checkout_ref, payment_ref) as ref from reservations where reservation_id = $1`, [reservationId]);
  return rows[0]!.ref;
}

export async function countRows(h: PaymentsHarness, sql: string, values: unknown[] = []): Promise<number> {
  const { rows } = await h.db.pool.query<{ n: number }>(`select count(*)::integer as n from (${sql}) x`, values);
  return rows[0]!.n;
}
