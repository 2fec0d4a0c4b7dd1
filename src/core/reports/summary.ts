// What the dashboard's Reports screen shows (issue 17): occupancy through today against the typical day
// (the same weekday of the last four weeks, hour by local hour), revenue today / this week / this month,
// the average ticket and stay (this month), today's peak hour and no-shows. Read from the rollups and
// the current hour's raw rows, like every report.
import { DateTime } from 'luxon';
import type { Lot } from '../lots/lot.js';
import type { Queryable } from '../ports.js';
import { countActiveSpots, selectNoShowBuckets, selectPaymentBuckets, selectVisitBuckets, type BucketQuery } from '../sql/reports.js';

export interface HourFigure {
  /** local hour of day, "08:00" */
  hour: string;
  /** cars inside on average in that hour today; null for hours still to come */
  today: number | null;
  /** the same hour's average over the same weekday of the last four weeks */
  typical: number;
}

export interface ReportsSummary {
  at: Date;
  lotCode: string;
  timeZone: string;
  currency: string;
  capacity: number;
  hours: HourFigure[];
  revenueTodayMinor: number;
  revenueWeekMinor: number;
  revenueMonthMinor: number;
  /** net revenue per payment this month; null with no payment */
  averageTicketMinor: number | null;
  /** average stay of the cars that left this month, minutes */
  averageStayMinutes: number | null;
  /** today's busiest hour so far */
  peakHour: { hour: string; occupied: number } | null;
  noShowsToday: number;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

export async function reportsSummary(db: Queryable, lot: Lot, now: Date): Promise<ReportsSummary> {
  const zone = lot.timeZone;
  const local = DateTime.fromJSDate(now, { zone });
  const today = local.startOf('day');
  const tomorrow = today.plus({ days: 1 });
  const q = (from: DateTime, to: DateTime, by: BucketQuery['by']): BucketQuery =>
    ({ lotId: lot.lotId, from: from.toJSDate(), to: to.toJSDate(), now, by, timeZone: zone, vehicleType: null });
  const hourOf = (d: Date) => DateTime.fromJSDate(d, { zone }).toFormat('HH:mm');

  const weekStart = today.startOf('week');
  const monthStart = today.startOf('month');
  const moneyFrom = weekStart < monthStart ? weekStart : monthStart;
  const [todayHours, pastDays, money, monthVisits, noShows, capacity] = await Promise.all([
    selectVisitBuckets(db, q(today, tomorrow, 'hour')),
    Promise.all([1, 2, 3, 4].map((w) => selectVisitBuckets(db, q(today.minus({ weeks: w }), today.minus({ weeks: w }).plus({ days: 1 }), 'hour')))),
    selectPaymentBuckets(db, q(moneyFrom, tomorrow, 'day')),
    selectVisitBuckets(db, q(monthStart, tomorrow, 'month')),
    selectNoShowBuckets(db, q(today, tomorrow, 'day')),
    countActiveSpots(db, lot.lotId, null),
  ]);

  // local hours of today (23 or 25 on a clock-change day), each with today's figure and the typical one
  const typicalSum = new Map<string, number>();
  for (const day of pastDays) for (const h of day) typicalSum.set(hourOf(h.bucket), (typicalSum.get(hourOf(h.bucket)) ?? 0) + h.occupied_seconds / 3600);
  const todayBy = new Map(todayHours.map((h) => [hourOf(h.bucket), h]));
  const hours: HourFigure[] = [];
  for (let t = today; t < tomorrow; t = t.plus({ hours: 1 })) {
    const label = t.toFormat('HH:mm');
    if (hours.some((h) => h.hour === label)) continue; // the repeated autumn hour shows once
    const started = t.toMillis() <= now.getTime();
    const seconds = Math.min(3600, Math.max(0, (now.getTime() - t.toMillis()) / 1000));
    const v = todayBy.get(label);
    hours.push({ hour: label, today: started ? round1(v && seconds > 0 ? v.occupied_seconds / seconds : 0) : null, typical: round1((typicalSum.get(label) ?? 0) / 4) });
  }

  const net = (from: DateTime) => money.filter((p) => p.bucket.getTime() >= from.toMillis()).reduce((a, p) => a + p.paid_minor - p.refunded_minor, 0);
  const monthPayments = money.filter((p) => p.bucket.getTime() >= monthStart.toMillis());
  const monthCount = monthPayments.reduce((a, p) => a + p.payments, 0);
  const monthNet = net(monthStart);
  const mv = monthVisits[0];
  const peak = hours.reduce<HourFigure | null>((p, h) => (h.today !== null && h.today > 0 && (!p || h.today > p.today!) ? h : p), null);
  return {
    at: now, lotCode: lot.code, timeZone: zone, currency: lot.currency, capacity, hours,
    revenueTodayMinor: net(today), revenueWeekMinor: net(weekStart), revenueMonthMinor: monthNet,
    averageTicketMinor: monthCount === 0 ? null : Math.round(monthNet / monthCount),
    averageStayMinutes: mv && mv.exits > 0 ? Math.round(mv.stay_seconds / mv.exits / 60) : null,
    peakHour: peak ? { hour: peak.hour, occupied: peak.today! } : null,
    noShowsToday: noShows.reduce((a, n) => a + n.no_shows, 0),
  };
}
