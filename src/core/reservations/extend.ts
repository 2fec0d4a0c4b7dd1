// extend: move a live reservation's end later (the dashboard's `e`, +30 min). One statement; the
// database's exclusion constraints decide whether the spot (and the plate) are free for the added time,
// so two attendants extending into the same slot cannot both win. The added time is charged at the exit.
import { DateTime } from 'luxon';
import { lotChanged, type ChangeDeps } from '../changes.js';
import { isPgError, PgCode, setActor, withTransaction, isConstraint } from '../db.js';
import { RefusedError, UsageError } from '../errors.js';
import type { Lot } from '../lots/lot.js';
import type { Clock, PoolLike } from '../ports.js';
import { overstayCharge } from '../pricing/index.js';
import { extendReservationEnd } from '../sql/dashboard.js';
import type { ReservationRow } from '../sql/reservations.js';
import { getReservation } from './lifecycle.js';

export interface ExtendDeps extends ChangeDeps {
  pool: PoolLike;
  clock: Clock;
  actor: string;
}

/** Longest single extension, minutes: a bigger change is a new booking. */
export const maxExtendMinutes = 24 * 60;

/**
 * Adds `minutes` to the end of a TENTATIVE, CONFIRMED or CHECKED_IN reservation, and what they cost to
 * its extension_minor: the added time priced as an overstay of the same length (the lot's rules, bands and
 * tax, no free minutes, no daily cap), so extending costs what overstaying would have. It is owed at the
 * exit with any overstay past the new end (`visit depart`, the gate). Refused with "spot taken after
 * HH:MM" (lot time) when another booking holds the spot then.
 */
export async function extendReservation(deps: ExtendDeps, lot: Lot, id: string, minutes: number, reason?: string): Promise<ReservationRow> {
  if (!Number.isInteger(minutes) || minutes <= 0 || minutes > maxExtendMinutes) {
    throw new UsageError(`cannot extend by ${minutes} minutes`, { hint: `a whole number of minutes from 1 to ${maxExtendMinutes}` });
  }
  const before = await getReservation(deps.pool, id);
  if (before.lot_id !== lot.lotId) throw new RefusedError(`reservation ${before.reservation_id} is for ${before.lot_code}, not ${lot.code}`, { code: 'wrong_lot' });
  const windowMinutes = (before.ends_at.getTime() - before.starts_at.getTime()) / 60_000 + minutes;
  if (windowMinutes > lot.maxWindowMinutes) {
    throw new RefusedError(`${before.plate}'s booking would be longer than ${lot.code} allows (${lot.maxWindowMinutes} min)`, { code: 'window_too_long' });
  }
  const extensionMinor = overstayCharge(lot.pricing, {
    timeZone: lot.timeZone, vehicleType: before.vehicle_type, end: before.ends_at,
    exitAt: new Date(before.ends_at.getTime() + minutes * 60_000), slotMinutes: 1, lotCode: lot.code,
  }).amountMinor;
  const endText = DateTime.fromJSDate(before.ends_at, { zone: lot.timeZone }).toFormat('HH:mm');
  try {
    const moved = await withTransaction(deps.pool, async (tx) => {
      await setActor(tx, deps.actor, reason ?? `extended by ${minutes} min`);
      return extendReservationEnd(tx, { lotId: lot.lotId, reservationId: before.reservation_id, from: before.ends_at, minutes, extensionMinor, now: deps.clock.now() });
    });
    if (!moved) {
      const now = await getReservation(deps.pool, before.reservation_id);
      if (now.ends_at.getTime() !== before.ends_at.getTime() && ['TENTATIVE', 'CONFIRMED', 'CHECKED_IN'].includes(now.status)) {
        throw new RefusedError(`${before.plate}'s booking changed meanwhile: it now ends ${DateTime.fromJSDate(now.ends_at, { zone: lot.timeZone }).toFormat('HH:mm')}`, {
          hint: 'look at it again, then extend from its new end', code: 'changed_meanwhile',
        });
      }
      throw new RefusedError(`reservation ${before.reservation_id} is ${now.status} and cannot be extended`, { code: 'not_extendable' });
    }
  } catch (err) {
    if (isPgError(err, PgCode.exclusionViolation)) {
      if (isConstraint(err, 'reservations_one_per_plate')) {
        throw new RefusedError(`${before.plate} has another booking after ${endText}`, { code: 'plate_already_booked' });
      }
      throw new RefusedError(`spot taken after ${endText}`, { hint: `${before.spot_label} is booked by someone else from ${endText}`, code: 'spot_taken' });
    }
    throw err;
  }
  await lotChanged(deps, lot.lotId);
  return getReservation(deps.pool, before.reservation_id);
}
