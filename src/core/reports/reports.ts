// The owner's Monday reports (issue 17): each is a list of buckets with the figures of one question.
// Gathered here, printed by src/commands/report.ts (table, --json, CSV, chart). Money is integer minor
// units; ratios are rounded for people only where noted, never the money.
import type { Lot } from '../lots/lot.js';
import type { Queryable } from '../ports.js';
import {
  countActiveSpots, selectExceptionBuckets, selectNoShowBuckets, selectPaymentBuckets, selectVisitBuckets,
  type BucketQuery, type ReportBy,
} from '../sql/reports.js';
import { bucketEnd, bucketLabel, bucketStarts, type ReportRange } from './range.js';

export const reportKinds = ['revenue', 'occupancy', 'turnover', 'no-shows', 'exceptions', 'takings'] as const;
export type ReportKind = (typeof reportKinds)[number];

export interface RevenueRow { bucket: Date; label: string; method: string; payments: number; paidMinor: number; refunds: number; refundedMinor: number; netMinor: number }
export interface OccupancyRow {
  bucket: Date; label: string; capacity: number;
  /** cars inside on average over the bucket, one decimal */
  averageOccupied: number;
  occupancyPercent: number;
  /** the busiest hour's start (null: nobody came) and its average cars inside */
  peakHour: Date | null; peakOccupied: number;
  entries: number; exits: number;
}
export interface TurnoverRow { bucket: Date; label: string; spots: number; entries: number; exits: number; turnover: number; averageStayMinutes: number | null }
export interface NoShowRow { bucket: Date; label: string; noShows: number; bookedArrivals: number; noShowPercent: number; noShowMinor: number }
export interface ExceptionRow {
  bucket: Date; label: string; manualOpens: number; manualOpensFailed: number; overrides: number; lostTickets: number;
  paymentsFailed: number; nilPayments: number;
  /** exits that left owing (paid less than due at the exit) */
  leftOwing: number; total: number;
}
export interface TakingsRow {
  bucket: Date; label: string; entries: number; exits: number; unpaidExits: number; dueAtExitMinor: number; paidAtExitMinor: number;
  cashInMinor: number; cashRefundedMinor: number; cashNetMinor: number;
}

export type ReportRow = RevenueRow | OccupancyRow | TurnoverRow | NoShowRow | ExceptionRow | TakingsRow;

export interface Report<R extends ReportRow = ReportRow> {
  report: ReportKind;
  lot: string;
  currency: string;
  timeZone: string;
  from: Date;
  to: Date;
  by: ReportBy;
  vehicleType: string | null;
  rows: R[];
  /** figures over the whole period, same fields as a row (bucket and label excluded) */
  totals: Record<string, number | string | null>;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const round2 = (x: number) => Math.round(x * 100) / 100;
const key = (d: Date) => d.getTime();

function bucketSeconds(bucket: Date, q: BucketQuery): number {
  const end = Math.min(bucketEnd(bucket, q.by, q.timeZone).getTime(), q.to.getTime(), Math.max(q.now.getTime(), bucket.getTime()));
  return Math.max(0, (end - Math.max(bucket.getTime(), q.from.getTime())) / 1000);
}

function sum<T>(rows: readonly T[], f: (r: T) => number): number {
  return rows.reduce((a, r) => a + f(r), 0);
}

export async function buildReport(db: Queryable, lot: Lot, kind: ReportKind, range: ReportRange, vehicleType: string | null, now: Date): Promise<Report> {
  const q: BucketQuery = { lotId: lot.lotId, from: range.from, to: range.to, now, by: range.by, timeZone: lot.timeZone, vehicleType };
  const buckets = bucketStarts(q.from, q.to, q.by, q.timeZone);
  const label = (b: Date) => bucketLabel(b, q.by, q.timeZone);
  const base = { report: kind, lot: lot.code, currency: lot.currency, timeZone: lot.timeZone, from: range.from, to: range.to, by: range.by, vehicleType };

  if (kind === 'revenue') {
    const rows: RevenueRow[] = (await selectPaymentBuckets(db, q)).map((p) => ({
      bucket: p.bucket, label: label(p.bucket), method: p.method, payments: p.payments, paidMinor: p.paid_minor,
      refunds: p.refunds, refundedMinor: p.refunded_minor, netMinor: p.paid_minor - p.refunded_minor,
    }));
    const byMethod: Record<string, number> = {};
    for (const r of rows) byMethod[r.method] = (byMethod[r.method] ?? 0) + r.netMinor;
    const payments = sum(rows, (r) => r.payments);
    const netMinor = sum(rows, (r) => r.netMinor);
    return {
      ...base, rows,
      totals: {
        payments, paidMinor: sum(rows, (r) => r.paidMinor), refunds: sum(rows, (r) => r.refunds), refundedMinor: sum(rows, (r) => r.refundedMinor),
        netMinor, averageTicketMinor: payments === 0 ? null : Math.round(netMinor / payments),
        ...Object.fromEntries(Object.entries(byMethod).map(([m, v]) => [`${m}NetMinor`, v])),
      },
    };
  }

  if (kind === 'no-shows') {
    const [ns, visits] = await Promise.all([selectNoShowBuckets(db, q), selectVisitBuckets(db, q)]);
    const nsBy = new Map(ns.map((r) => [key(r.bucket), r]));
    const vBy = new Map(visits.map((r) => [key(r.bucket), r]));
    const rows: NoShowRow[] = buckets.map((b) => {
      const n = nsBy.get(key(b));
      const arrivals = vBy.get(key(b))?.booked_entries ?? 0;
      const noShows = n?.no_shows ?? 0;
      return { bucket: b, label: label(b), noShows, bookedArrivals: arrivals, noShowPercent: noShows + arrivals === 0 ? 0 : round1((100 * noShows) / (noShows + arrivals)), noShowMinor: n?.no_show_minor ?? 0 };
    });
    const noShows = sum(rows, (r) => r.noShows);
    const arrivals = sum(rows, (r) => r.bookedArrivals);
    return { ...base, rows, totals: { noShows, bookedArrivals: arrivals, noShowPercent: noShows + arrivals === 0 ? 0 : round1((100 * noShows) / (noShows + arrivals)), noShowMinor: sum(rows, (r) => r.noShowMinor) } };
  }

  if (kind === 'exceptions') {
    const [ev, visits] = await Promise.all([selectExceptionBuckets(db, q), selectVisitBuckets(db, q)]);
    const rows: ExceptionRow[] = buckets.map((b) => {
      const n = (c: string) => ev.find((e) => key(e.bucket) === key(b) && e.category === c)?.n ?? 0;
      const nil = visits.find((v) => key(v.bucket) === key(b))?.unpaid_exits ?? 0;
      const r = { manualOpens: n('manual_open'), manualOpensFailed: n('manual_open_failed'), overrides: n('override'), lostTickets: n('lost_ticket'), paymentsFailed: n('payment_failed'), nilPayments: n('nil_payment'), leftOwing: nil };
      return { bucket: b, label: label(b), ...r, total: Object.values(r).reduce((a, x) => a + x, 0) };
    });
    const totals: Record<string, number> = {};
    for (const f of ['manualOpens', 'manualOpensFailed', 'overrides', 'lostTickets', 'paymentsFailed', 'nilPayments', 'leftOwing', 'total'] as const) totals[f] = sum(rows, (r) => r[f]);
    return { ...base, rows, totals };
  }

  const visits = await selectVisitBuckets(db, q);
  const vBy = new Map(visits.map((r) => [key(r.bucket), r]));

  if (kind === 'occupancy') {
    const capacity = await countActiveSpots(db, lot.lotId, vehicleType);
    const rows: OccupancyRow[] = buckets.map((b) => {
      const v = vBy.get(key(b));
      const secs = bucketSeconds(b, q);
      const avg = v && secs > 0 ? v.occupied_seconds / secs : 0;
      return {
        bucket: b, label: label(b), capacity, averageOccupied: round1(avg), occupancyPercent: capacity === 0 ? 0 : round1((100 * avg) / capacity),
        peakHour: v && v.peak_occupied_seconds > 0 ? v.peak_hour : null,
        // the peak hour's average over the part of it the report covers (the current hour only so far), as averageOccupied is
        peakOccupied: v && v.peak_hour ? round1(v.peak_occupied_seconds / Math.max(1, bucketSeconds(v.peak_hour, { ...q, by: 'hour' }))) : 0,
        entries: v?.entries ?? 0, exits: v?.exits ?? 0,
      };
    });
    const totalSecs = sum(buckets, (b) => bucketSeconds(b, q));
    const avg = totalSecs > 0 ? sum(visits, (v) => v.occupied_seconds) / totalSecs : 0;
    const peak = rows.reduce<OccupancyRow | null>((p, r) => (r.peakHour && (!p || r.peakOccupied > p.peakOccupied) ? r : p), null);
    return {
      ...base, rows,
      totals: { capacity, averageOccupied: round1(avg), occupancyPercent: capacity === 0 ? 0 : round1((100 * avg) / capacity), peakHour: peak?.peakHour?.toISOString() ?? null, peakOccupied: peak?.peakOccupied ?? 0, entries: sum(rows, (r) => r.entries), exits: sum(rows, (r) => r.exits) },
    };
  }

  if (kind === 'turnover') {
    const spots = await countActiveSpots(db, lot.lotId, vehicleType);
    const rows: TurnoverRow[] = buckets.map((b) => {
      const v = vBy.get(key(b));
      const exits = v?.exits ?? 0;
      return {
        bucket: b, label: label(b), spots, entries: v?.entries ?? 0, exits, turnover: spots === 0 ? 0 : round2((v?.entries ?? 0) / spots),
        averageStayMinutes: exits === 0 ? null : Math.round(v!.stay_seconds / exits / 60),
      };
    });
    const entries = sum(rows, (r) => r.entries);
    const exits = sum(rows, (r) => r.exits);
    return { ...base, rows, totals: { spots, entries, exits, turnover: spots === 0 ? 0 : round2(entries / spots), averageStayMinutes: exits === 0 ? null : Math.round(sum(visits, (v) => v.stay_seconds) / exits / 60) } };
  }

  // takings: cash collected against the cars that came and went
  const pay = await selectPaymentBuckets(db, q);
  const rows: TakingsRow[] = buckets.map((b) => {
    const v = vBy.get(key(b));
    const cash = pay.filter((p) => p.method === 'cash' && key(p.bucket) === key(b));
    const cashIn = sum(cash, (p) => p.paid_minor);
    const cashOut = sum(cash, (p) => p.refunded_minor);
    return {
      bucket: b, label: label(b), entries: v?.entries ?? 0, exits: v?.exits ?? 0, unpaidExits: v?.unpaid_exits ?? 0,
      dueAtExitMinor: v?.due_minor ?? 0, paidAtExitMinor: v?.paid_minor ?? 0, cashInMinor: cashIn, cashRefundedMinor: cashOut, cashNetMinor: cashIn - cashOut,
    };
  });
  const totals: Record<string, number> = {};
  for (const f of ['entries', 'exits', 'unpaidExits', 'dueAtExitMinor', 'paidAtExitMinor', 'cashInMinor', 'cashRefundedMinor', 'cashNetMinor'] as const) totals[f] = sum(rows, (r) => r[f]);
  return { ...base, rows, totals };
}

/** Net revenue per bucket (every bucket, zeros included): what the revenue chart draws. */
export function netByBucket(report: Report): number[] {
  const buckets = bucketStarts(report.from, report.to, report.by, report.timeZone);
  const net = new Map<number, number>();
  for (const r of report.rows as RevenueRow[]) net.set(key(r.bucket), (net.get(key(r.bucket)) ?? 0) + r.netMinor);
  return buckets.map((b) => net.get(key(b)) ?? 0);
}
