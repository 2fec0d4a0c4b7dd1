// One dashboard screen read from the database: occupancy, gates, arrivals, holds, alerts and the
// event feed. The reads are independent and run side by side on the pool, each bounded by a LIMIT;
// measured on the 2,000-spot sample garage after a busy morning, see the report in the dashboard tests.
import { evAlertRows } from '../ev/dashboard-alerts.js';
import { DateTime } from 'luxon';
import type { Lot } from '../lots/lot.js';
import { selectDashboardCounts } from '../sql/dashboard-counts.js';
import { selectRefundsDueAtDesk } from '../sql/payments.js';
import { formatMinorAmount } from '../money-format.js';
import { lotOccupancy, type OccupancyGroup } from '../occupancy.js';
import type { Queryable } from '../ports.js';
import {
  hasGateHeartbeats, selectArrivals, selectGates, selectHolds, selectLotState, selectNoShows, selectOverstays,
  selectPaymentsDue, selectRecentEvents, type DashboardGateRow,
} from '../sql/dashboard.js';
import type { AlertRow, DashboardSnapshot, GateRow, OccupancyRow, BarrierState } from './types.js';
import { describeEvent, describeGateEvent } from './wording.js';
import { readSensorAlerts, sensorStateKinds } from '../sensors/dashboard-alerts.js';

const minuteMs = 60_000;

export interface SnapshotOptions {
  /** arrivals panel look-ahead, ms (default 60 min) */
  readonly arrivalsAheadMs?: number;
  /** a gate whose last heartbeat is older than this is offline, ms (default 30 s: six sync periods) */
  readonly gateStaleMs?: number;
  /** how far back alerts about payments and no-shows look, ms (default 12 h) */
  readonly alertsLookbackMs?: number;
  /** feed lines read (the screen shows what fits) */
  readonly feedLines?: number;
  /** rows per list (arrivals, holds, each alert kind) */
  readonly listLimit?: number;
}

/** Reads the database once per screen. Whether the gate tables exist is asked once, then remembered. */
export class DashboardSnapshotReader {
  private heartbeats: Promise<boolean> | null = null;

  constructor(private readonly db: Queryable, private readonly lot: Lot, private readonly options: SnapshotOptions = {}) {}

  async read(now: Date): Promise<DashboardSnapshot> {
    const { db, lot } = this;
    const o = this.options;
    const limit = o.listLimit ?? 50;
    const since = new Date(now.getTime() - (o.alertsLookbackMs ?? 12 * 60 * minuteMs));
    const todayStart = DateTime.fromJSDate(now, { zone: lot.timeZone }).startOf('day').toJSDate();
    this.heartbeats ??= hasGateHeartbeats(db);
    const withHeartbeats = await this.heartbeats;
    const arrivalsFrom = new Date(now.getTime() - lot.noShowGraceMinutes * minuteMs);
    const arrivalsTo = new Date(now.getTime() + (o.arrivalsAheadMs ?? 60 * minuteMs));
    const [state, occupancy, gateRows, arrivals, holds, overstays, noShows, due, failed, manual, feed, spots, refundsDue, counts, sensorAlerts, evAlerts] = await Promise.all([
      selectLotState(db, lot.lotId),
      lotOccupancy(db, lot.lotId, now),
      selectGates(db, { lotId: lot.lotId, todayStart, withHeartbeats }),
      // late arrivals stay listed until the no-show grace has passed
      selectArrivals(db, { lotId: lot.lotId, from: arrivalsFrom, to: arrivalsTo, limit }),
      selectHolds(db, { lotId: lot.lotId, limit }),
      selectOverstays(db, { lotId: lot.lotId, now, limit }),
      selectNoShows(db, { lotId: lot.lotId, since, now, graceMinutes: lot.noShowGraceMinutes, limit }),
      selectPaymentsDue(db, { lotId: lot.lotId, since, limit }),
      selectRecentEvents(db, { lotId: lot.lotId, limit, kinds: ['payment.failed'], since }),
      selectRecentEvents(db, { lotId: lot.lotId, limit, kinds: ['gate.manual_open', 'gate.manual_open_failed'], since: todayStart }),
      // a sensed car coming or going is in the audit trail, but a garage's worth of them would drown the feed
      selectRecentEvents(db, { lotId: lot.lotId, limit: o.feedLines ?? 40, exceptKinds: sensorStateKinds }),
      // cars inside keep their spots (invariant 8): bookings moved off them, and those with nowhere to go
      selectRecentEvents(db, { lotId: lot.lotId, limit, kinds: ['reservation.moved', 'alert.no_spot', 'alert.no_spot_for_car'], since }),
      selectRefundsDueAtDesk(db, lot.lotId, limit),
      // the lists stop at `limit`; the panels' titles say how many there are in all
      selectDashboardCounts(db, { lotId: lot.lotId, now, arrivalsFrom, arrivalsTo, since, todayStart, noShowGraceMinutes: lot.noShowGraceMinutes }),
      readSensorAlerts(db, lot.lotId, since, limit),
      evAlertRows(db, lot.lotId, now), // EV chargers: faults, idling cars, silent chargers (issue 16)
    ]);
    const gates = gateRows.map((g) => toGate(g, now, o.gateStaleMs ?? 30_000));
    const money = (minor: number) => formatMinorAmount(minor, lot.currency);
    const minutesSince = (at: Date) => Math.max(0, Math.round((now.getTime() - at.getTime()) / minuteMs));
    const alerts: AlertRow[] = [
      ...overstays.map((r) => ({
        kind: 'overstay' as const, at: r.ends_at, reservationId: r.reservation_id, plate: r.plate,
        text: `${r.plate} ${minutesSince(r.ends_at)} min past end, ${r.spot_label}`,
      })),
      ...noShows.map((r) => ({
        kind: 'no_show' as const, at: r.starts_at, reservationId: r.reservation_id, plate: r.plate,
        text: r.status === 'NO_SHOW' ? `${r.plate} no-show, ${r.spot_label}` : `${r.plate} not arrived, ${minutesSince(r.starts_at)} min late, ${r.spot_label}`,
      })),
      ...gates.filter((g) => !g.online && gateRows.find((row) => row.gate_id === g.gateId)?.seen_at).map((g) => {
        const seenAt = gateRows.find((row) => row.gate_id === g.gateId)!.seen_at!;
        return { kind: 'gate_offline' as const, at: seenAt, text: `${g.gateId} offline, silent for ${formatSilence(now.getTime() - seenAt.getTime())}` };
      }),
      ...failed.map((e) => ({
        kind: 'payment_failed' as const, at: e.occurred_at, ...(e.reservation_id ? { reservationId: e.reservation_id } : {}), ...(e.plate ? { plate: e.plate } : {}),
        text: `${e.plate ?? 'payment'} payment failed${e.reason ? `: ${e.reason}` : ''}`,
      })),
      ...due.map((v) => ({
        kind: 'payment_due' as const, at: v.at, ...(v.reservation_id ? { reservationId: v.reservation_id } : {}), plate: v.plate,
        text: `${v.plate} owes ${money(v.balance_minor)}${v.inside ? ' (inside)' : ''}`,
      })),
      ...spots.map((e) => ({
        kind: e.kind === 'reservation.moved' ? 'booking_moved' as const : 'no_spot' as const, at: e.occurred_at,
        ...(e.reservation_id ? { reservationId: e.reservation_id } : {}), ...(e.plate ? { plate: e.plate } : {}),
        text: describeEvent(e, lot.timeZone),
      })),
      ...sensorAlerts,
      ...refundsDue.map((d) => ({
        kind: 'refund_due' as const, at: d.created_at, reservationId: d.reservation_id, plate: d.plate,
        text: `${d.plate} ${formatMinorAmount(d.amount_minor, d.currency)} cash back due (r)`,
      })),
      ...manual.map((e) => ({
        kind: 'manual_open' as const, at: e.occurred_at,
        text: e.kind === 'gate.manual_open_failed'
          ? `${String(e.detail.gate ?? 'gate')} NOT opened (${String(e.detail.result ?? 'no answer')}), asked by ${e.actor}${e.reason ? `: ${e.reason}` : ''}`
          : `${String(e.detail.gate ?? 'gate')} opened by hand by ${e.actor}${e.reason ? `: ${e.reason}` : ''}`,
      })),
      ...evAlerts,
    ];
    alerts.sort((a, b) => b.at.getTime() - a.at.getTime());
    return {
      lot: { code: lot.code, name: state?.name ?? lot.name, state: state?.state ?? lot.state, timeZone: lot.timeZone },
      now,
      byZone: occupancy.byZone.map((g) => ({ ...toOccupancy(g), label: g.key, name: g.label, floor: g.floor ?? 0 })),
      byType: occupancy.byType.map(toOccupancy),
      gates,
      arrivals: arrivals.map((r) => ({ reservationId: r.reservation_id, plate: r.plate, spotLabel: r.spot_label, start: r.starts_at, vehicleType: r.vehicle_type })),
      holds: holds.map((r) => ({ reservationId: r.reservation_id, plate: r.plate, spotLabel: r.spot_label, holdExpiresAt: r.hold_expires_at ?? r.updated_at })),
      alerts,
      feed: feed.map((e) => ({ id: String(e.event_id), at: e.occurred_at, kind: e.kind, text: describeEvent(e, lot.timeZone) })),
      counts: {
        holds: counts.holds,
        arrivals: counts.arrivals,
        alerts: counts.overstays + counts.no_shows + alerts.filter((a) => a.kind === 'gate_offline').length + counts.payments_failed
          + counts.payments_due + counts.spot_alerts + counts.refunds_due + counts.manual_opens + sensorAlerts.length + evAlerts.length,
      },
    };
  }
}

function toOccupancy(g: OccupancyGroup): OccupancyRow {
  return { key: g.key, label: g.label, total: g.total, free: g.free, held: g.held, reserved: g.reserved, occupied: g.occupied, outOfService: g.outOfService };
}

const barrierStates: readonly BarrierState[] = ['open', 'closed', 'fault', 'unknown'];

/** Online: a fresh heartbeat; without heartbeats (gate tables absent), an event in the last 15 minutes. */
function toGate(g: DashboardGateRow, now: Date, staleMs: number): GateRow {
  const nowMs = now.getTime();
  const online = g.seen_at ? nowMs - g.seen_at.getTime() <= staleMs : g.last_at !== null && nowMs - g.last_at.getTime() <= 15 * minuteMs;
  const barrier = barrierStates.find((s) => s === g.barrier_state) ?? 'unknown';
  return {
    gateId: g.gate_id, online, lastEventAt: g.last_at, lastEvent: describeGateEvent(g.last_kind, g.last_plate, g.last_decision),
    barrier, manualOpensToday: g.manual_opens,
  };
}

function formatSilence(ms: number): string {
  const minutes = Math.floor(ms / minuteMs);
  return minutes < 1 ? `${Math.max(1, Math.round(ms / 1000))} s` : minutes < 120 ? `${minutes} min` : `${Math.floor(minutes / 60)} h`;
}
