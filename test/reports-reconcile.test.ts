// Issue 17, money balances: revenue by method equals the payments table net of refunds, to the minor unit,
// on generated payments and refunds of every method and status, whichever side of the rollups' mark
// their hour lies; and each local day's figure equals the same sum cut at the lot's local midnights.
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lot } from '../src/core/lots/lot.js';
import { parseRange } from '../src/core/reports/range.js';
import { buildReport, type RevenueRow } from '../src/core/reports/reports.js';
import { refreshReportRollups } from '../src/core/reports/rollups.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { createTestLot } from './support/lots.js';
import { addPayment } from './support/report-data.js';

let db: TestDatabase;
let lot: Lot;
beforeAll(async () => {
  db = await createTestDatabase();
  lot = await createTestLot(db.pool, { code: 'RECON', spots: 4 });
});
afterAll(() => db.drop());

const start = Date.parse('2026-03-20T00:00:00Z'); // the range spans the spring clock change
const payment = fc.record({
  minutes: fc.integer({ min: 0, max: 20 * 24 * 60 - 1 }),
  amountMinor: fc.integer({ min: 1, max: 250_000 }),
  method: fc.constantFrom('cash', 'card', 'stripe', 'manual'),
  purpose: fc.constantFrom('walk_in', 'reservation', 'overstay', 'permit', 'refund', 'refund'),
  status: fc.constantFrom('succeeded', 'succeeded', 'succeeded', 'failed', 'pending', 'due'),
});

describe('revenue reconciles with the payments table', () => {
  it('by method and by local day, net of refunds, with the mark anywhere', async () => {
    await fc.assert(fc.asyncProperty(fc.array(payment, { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 21 * 24 }), async (payments, markHours) => {
      await db.pool.query(`delete from payments where lot_id = $1; delete from report_payment_hours where lot_id = $1; delete from report_rollup_marks where lot_id = $1`.replace(/\$1/g, String(lot.lotId)));
      for (const p of payments) await addPayment(db.pool, lot.lotId, { ...p, at: new Date(start + p.minutes * 60_000).toISOString() });
      await refreshReportRollups(db.pool, [lot.lotId], new Date(start + markHours * 3_600_000));
      const now = new Date(start + 30 * 86_400_000);
      const report = await buildReport(db.pool, lot, 'revenue', parseRange({ from: '2026-03-19', to: '2026-04-10', by: 'day' }, lot.timeZone, now, 'day'), null, now);

      const { rows } = await db.pool.query<{ provider: string; net: string }>(
        `select provider, sum(case when purpose = 'refund' then -amount_minor else amount_minor end) as net
           from payments where lot_id = $1 and status = 'succeeded' group by provider`, [lot.lotId]);
      const byMethod: Record<string, number> = {};
      for (const r of report.rows as RevenueRow[]) byMethod[r.method] = (byMethod[r.method] ?? 0) + r.netMinor;
      expect(byMethod).toEqual(Object.fromEntries(rows.map((r) => [r.provider, Number(r.net)])));

      const byDay = new Map<string, number>();
      for (const p of payments.filter((x) => x.status === 'succeeded')) {
        const day = DateTime.fromMillis(start + p.minutes * 60_000, { zone: lot.timeZone }).toFormat('yyyy-LL-dd');
        const k = `${day} ${p.method}`;
        byDay.set(k, (byDay.get(k) ?? 0) + (p.purpose === 'refund' ? -p.amountMinor : p.amountMinor));
      }
      const reported = new Map((report.rows as RevenueRow[]).map((r) => [`${r.label} ${r.method}`, r.netMinor]));
      expect(reported).toEqual(byDay);
    }), { numRuns: 30 });
  });
});
