// What an attendant can do from the dashboard, through the same core functions the commands use
// (arrive/depart, cancel, extend, spot service, a gate command). Each resolves with one line for the
// status line and rejects with the usual UserError (message + hint), which the screen shows as is.
import { DateTime } from 'luxon';
import type { ChangeDeps } from '../changes.js';
import { UsageError } from '../errors.js';
import { checkReservationId, cancelWithRefund, getReservation } from '../reservations/lifecycle.js';
import { handBackCashRefund } from '../payments/hand-back.js';
import { extendReservation } from '../reservations/extend.js';
import { parsePlate } from '../input.js';
import type { Lot } from '../lots/lot.js';
import { formatMinorAmount } from '../money-format.js';
import type { Clock, Logger, PaymentProvider, PoolLike } from '../ports.js';
import { setSpotStatus } from '../spots.js';
import { selectBookingsMatching } from '../sql/dashboard.js';
import { arrive, depart } from '../visits.js';
import { ExternalError } from '../errors.js';
import { requestManualOpen, type WakeGate } from '../gate-daemon/manual-open.js';
import { reportsSummary, type ReportsSummary } from '../reports/summary.js';
import { readZoneSpots } from './floor-map.js';
import type { FoundReservation, SpotCell } from './types.js';

export interface DashboardActionDeps extends ChangeDeps {
  pool: PoolLike;
  clock: Clock;
  /** "dashboard:<user>": the audit trail names it */
  actor: string;
  payments?: PaymentProvider | undefined;
  logger?: Logger | undefined;
  /** tells the gate daemon a command waits (NOTIFY); without it the daemon finds it on its next poll */
  wakeGate?: WakeGate | undefined;
  /** how long `openBarrier` waits for the daemon to answer, ms (default 5000) */
  barrierWaitMs?: number;
  /** called after every successful write, so the screen reads the lot again at once */
  afterWrite?: () => void;
}

/** The gate name attendants' own check-ins and check-outs are recorded under. */
export const dashboardGate = 'dashboard';

const idPrefixPattern = /^[0-9a-f][0-9a-f-]{3,35}$/i;

export function createDashboardActions(deps: DashboardActionDeps, lot: Lot) {
  const at = (date: Date) => DateTime.fromJSDate(date, { zone: lot.timeZone }).toFormat('HH:mm');
  const wrote = <T>(value: T): T => {
    deps.afterWrite?.();
    return value;
  };
  return {
    /** the floor view: one zone's spots (by zone code) as they are now */
    zoneSpots(zoneCode: string): Promise<readonly SpotCell[]> {
      return readZoneSpots(deps.pool, lot.lotId, zoneCode, deps.clock.now());
    },
    /** the Reports screen (R): today against the typical day, revenue, peak hour, no-shows */
    reports(): Promise<ReportsSummary> {
      return reportsSummary(deps.pool, lot, deps.clock.now());
    },
    /** exact plate (any spacing/case) or a reservation id prefix of 4+ characters */
    async find(query: string): Promise<readonly FoundReservation[]> {
      const text = query.trim();
      const idPrefix = idPrefixPattern.test(text) ? text.toLowerCase() : null;
      let plate: string | null = null;
      try {
        plate = parsePlate(text);
      } catch {
        if (!idPrefix) throw new UsageError(`"${text}" is neither a plate nor a reservation id`, { hint: 'type a plate like AB12CDE or the first characters of a reservation id' });
      }
      const rows = await selectBookingsMatching(deps.pool, { lotId: lot.lotId, plate, idPrefix, now: deps.clock.now(), limit: 20 });
      return rows.map((r) => ({
        reservationId: r.reservation_id, plate: r.plate, status: r.status, spotLabel: r.spot_label, start: r.starts_at, end: r.ends_at, inside: r.inside,
      }));
    },

    async checkIn(reservationId: string, early?: { reason: string }): Promise<string> {
      const arrival = await arrive(deps, lot, { reservationId, gate: dashboardGate, ...(early ? { early } : {}) });
      const fee = arrival.earlyEntry ? ` (early: ${formatMinorAmount(arrival.earlyEntry.feeMinor, lot.currency)} due at exit)` : '';
      return wrote(`${arrival.visit.plate} checked in${arrival.spotLabel ? `, ${arrival.spotLabel}` : ''}${fee}`);
    },

    /** a reservation id (selected) or a plate (typed: walk-ins) */
    async checkOut(plateOrReservation: string): Promise<string> {
      const text = plateOrReservation.trim();
      const plate = isReservationId(text) ? (await getReservation(deps.pool, text)).plate : parsePlate(text);
      const d = await depart(deps, lot, { plate, gate: dashboardGate });
      const owes = d.amountOutstandingMinor > 0 ? `: ${formatMinorAmount(d.amountOutstandingMinor, d.currency)} to collect` : '';
      const late = d.overstayMinutes > 0 ? `, ${d.overstayMinutes} min over` : '';
      return wrote(`${plate} checked out${late}${owes}`);
    },

    async openBarrier(gateId: string, reason: string): Promise<string> {
      const o = await requestManualOpen(deps, lot, { gateId, reason, waitMs: deps.barrierWaitMs ?? 5000 });
      if (o.result === 'opened') return wrote(`${o.gateId} opened (logged: ${o.reason})`);
      if (o.result) throw new ExternalError(`gate daemon ${lot.code}/${o.gateId}`, `${o.gateId} not opened: ${o.result} (logged)`);
      return wrote(`${o.gateId}: open requested (logged); its gate daemon took it but has not confirmed yet`);
    },

    async cancel(reservationId: string): Promise<string> {
      const { reservation: r, refund } = await cancelWithRefund(deps, reservationId, 'cancelled at the dashboard');
      const money = refund && refund.amountMinor > 0
        ? refund.status === 'due' ? `; ${formatMinorAmount(refund.amountMinor, refund.currency)} cash due back (${refund.percent}%): r when handed over` : `; ${formatMinorAmount(refund.amountMinor, refund.currency)} refunded (${refund.percent}%)`
        : refund ? `; nothing back (${refund.percent}%)` : '';
      return wrote(`${r.plate} cancelled, ${r.spot_label} free again${money}`);
    },

    async handBack(reservationId: string): Promise<string> {
      const done = await handBackCashRefund(deps, checkReservationId(reservationId));
      return wrote(`${formatMinorAmount(done.amountMinor, done.currency)} handed back to ${done.plate ?? 'the customer'}`);
    },

    async extend(reservationId: string, minutes: number): Promise<string> {
      const r = await extendReservation(deps, lot, reservationId, minutes, `extended ${minutes} min at the dashboard`);
      return wrote(`${r.plate} extended to ${at(r.ends_at)}, ${r.spot_label}, ${formatMinorAmount(r.extension_minor, r.currency)} due at exit`);
    },

    async setSpotOutOfService(spotLabel: string, outOfService: boolean, reason: string): Promise<string> {
      const s = await setSpotStatus(deps, lot, spotLabel, outOfService ? 'maintenance' : 'active', reason);
      const state = outOfService ? 'out of service' : 'back in service';
      if (!s.changed) return `${s.label} was already ${state}`;
      const bookings = outOfService && s.liveBookings > 0 ? ` (${s.liveBookings} booking${s.liveBookings === 1 ? '' : 's'} still on it: move them)` : '';
      return wrote(`${s.label} ${state}${bookings}`);
    },
  };
}

export type DashboardActionSet = ReturnType<typeof createDashboardActions>;

function isReservationId(text: string): boolean {
  try {
    checkReservationId(text);
    return true;
  } catch {
    return false;
  }
}
