// The readers of stored settings (json/read.ts) skip zod so that one-shot commands start faster (issue 13);
// here each is checked against the zod schema that checked the same section when the lot file was imported,
// over generated JSON near the edges of what they accept: same answer, or both refuse.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { UsageError } from '../src/core/errors.js';
import { earlyEntryPolicy } from '../src/core/lots/early-entry.js';
import { earlyEntrySchema, permitPolicySchema, ticketPolicySchema } from '../src/core/lots/policy-schemas.js';
import { refundRules } from '../src/core/payments/refund-policy.js';
import { lotPermitPolicy } from '../src/core/permits/policy.js';
import { pricingSettingsSchema } from '../src/core/pricing/schema.js';
import { readPricingSettings } from '../src/core/pricing/settings.js';
import { lotTicketPolicy } from '../src/core/tickets/policy.js';

const runs = { numRuns: 3_000 };

/** Values around [min, max]: inside, its edges, one past them, fractions, and things that are not numbers. */
function near(min: number, max: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min, max }) },
    { weight: 2, arbitrary: fc.constantFrom(min, max, min - 1, max + 1, min + 0.5, -0) },
    { weight: 1, arbitrary: fc.constantFrom(null, '5', true, [], {}, 1e300, -1e300, Number.MAX_SAFE_INTEGER + 2) },
  );
}

/** An object of some of `fields`, now and then with a key nobody knows, or not an object at all. */
function section(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  const obj = fc.record(fields, { requiredKeys: [] });
  return fc.oneof(
    { weight: 8, arbitrary: obj },
    { weight: 1, arbitrary: fc.tuple(obj, fc.constantFrom('extra', 'Mode', 'rates')).map(([o, k]) => ({ ...o, [k]: 1 })) },
    { weight: 1, arbitrary: fc.constantFrom(undefined, null, 3, 'fee', [], [{}]) },
  );
}

const json = <T>(v: T): T => (v === undefined ? v : JSON.parse(JSON.stringify(v)) as T);

describe('stored settings read without zod agree with the lot file schema', () => {
  it('lots.pricing', () => {
    const band = section({ above_occupancy_percent: fc.oneof(fc.double({ min: -1, max: 101, noNaN: true }), near(0, 100)), add_percent: near(0, 1000) });
    const settings = section({
      ev: section({ energy_per_kwh_minor: near(0, 1_000_000), idle_per_hour_minor: near(0, 10_000_000), idle_grace_minutes: near(0, 1440) }),
      daily_max_minor: fc.oneof(near(0, 100_000), section({ default: near(0, 5000), regular: near(0, 5000), ev: near(0, 5000), bus: near(0, 1) })),
      free_minutes: near(0, 1440),
      tax_rate_bp: near(0, 100_000),
      surcharges: fc.oneof(fc.array(band, { maxLength: 3 }), fc.constantFrom(null, {}, 'none')),
    });
    fc.assert(fc.property(settings.map(json), (value) => {
      const zod = pricingSettingsSchema.safeParse(value);
      let ours: unknown;
      try {
        ours = readPricingSettings(value, 'lots.pricing');
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        expect(zod.success, `zod accepted what the reader refused: ${JSON.stringify(value)}`).toBe(false);
        return;
      }
      expect(zod.success, `zod refused what the reader accepted: ${JSON.stringify(value)}`).toBe(true);
      expect(ours).toEqual(zod.data);
    }), runs);
  });

  it('names the path of the first problem, as the lot file check does', () => {
    expect(() => readPricingSettings({ free_minutes: -1 }, 'lots.pricing')).toThrow('lots.pricing.free_minutes');
    expect(() => readPricingSettings({ surcharges: [{ above_occupancy_percent: 80, add_percent: 1.5 }] }, 'lots.pricing')).toThrow('lots.pricing.surcharges[0].add_percent');
    expect(() => readPricingSettings({ rates: [] }, 'lots.pricing')).toThrow('unrecognized key "rates"');
  });

  it('policy.permits, policy.tickets and policy.early_entry (unreadable: the defaults)', () => {
    const byZod = {
      permits: (v: unknown) => {
        const p = permitPolicySchema.optional().safeParse(v);
        if (!p.success || !p.data) return { entryGraceMinutes: 15, paymentGraceDays: 3, reservedSpots: {} };
        const r = p.data.reserved_spots;
        return { entryGraceMinutes: p.data.entry_grace_minutes, paymentGraceDays: p.data.payment_grace_days, reservedSpots: typeof r === 'number' ? (r > 0 ? { regular: r } : {}) : r };
      },
      tickets: (v: unknown) => {
        const p = ticketPolicySchema.optional().safeParse(v);
        if (!p.success || !p.data) return { exitGraceMinutes: 15, lostTicketFeeMinor: 2500 };
        return { exitGraceMinutes: p.data.exit_grace_minutes, lostTicketFeeMinor: p.data.lost_ticket_fee };
      },
      early: (v: unknown) => {
        const p = earlyEntrySchema.optional().safeParse(v);
        if (!p.success || !p.data) return { mode: 'refuse', maxMinutes: 0 };
        return { mode: p.data.mode, maxMinutes: p.data.max_minutes };
      },
    };
    const permits = section({
      entry_grace_minutes: near(0, 1440), payment_grace_days: near(0, 365),
      reserved_spots: fc.oneof(near(0, 100_000), fc.dictionary(fc.constantFrom('regular', 'ev', 'van', '0'), near(0, 100_000), { maxKeys: 3 }), fc.constant([1])),
    });
    const tickets = section({ exit_grace_minutes: near(0, 1440), lost_ticket_fee: near(0, 10_000_000) });
    const early = section({ mode: fc.constantFrom('refuse', 'fee', 'FEE', '', 1), max_minutes: near(1, 1440) });
    fc.assert(fc.property(permits.map(json), tickets.map(json), early.map(json), (p, t, e) => {
      const policy = { permits: p, tickets: t, early_entry: e };
      expect(lotPermitPolicy(policy)).toEqual(byZod.permits(p));
      expect(lotTicketPolicy(policy)).toEqual(byZod.tickets(t));
      expect(earlyEntryPolicy(policy)).toEqual(byZod.early(e));
    }), runs);
    expect(lotPermitPolicy(null)).toEqual(byZod.permits(undefined));
    expect(earlyEntryPolicy(undefined)).toEqual({ mode: 'refuse', maxMinutes: 0 });
  });

  it('policy.refunds (malformed: refused with the bad_refund_policy code)', () => {
    // the schema refundRules used before it was read without zod
    const refundRule = z.object({ min_hours_before_start: z.number().min(0), percent: z.number().int().min(0).max(100) });
    const rule = section({ min_hours_before_start: fc.oneof(fc.double({ min: -1, max: 100, noNaN: true }), near(0, 48)), percent: near(0, 100), note: fc.string({ maxLength: 3 }) });
    const refunds = fc.oneof({ weight: 5, arbitrary: fc.array(rule, { maxLength: 4 }) }, { weight: 1, arbitrary: fc.constantFrom(undefined, null, {}, 'all') });
    fc.assert(fc.property(refunds.map(json), (value) => {
      const zod = z.array(refundRule).optional().safeParse(value);
      let ours: unknown;
      try {
        ours = refundRules({ refunds: value });
      } catch (err) {
        expect((err as UsageError).code).toBe('bad_refund_policy');
        expect(zod.success, `zod accepted what the reader refused: ${JSON.stringify(value)}`).toBe(false);
        return;
      }
      expect(zod.success, `zod refused what the reader accepted: ${JSON.stringify(value)}`).toBe(true);
      expect(ours).toEqual([...(zod.data ?? [])].sort((a, b) => b.min_hours_before_start - a.min_hours_before_start));
    }), runs);
  });
});
