// One exported booking back into a lot: recognised by its reservation id when it is there already, else
// restored as it was: same id, spot, window, status, price and payment, and for a car inside its visit.
// Not allocated anew: a booking that existed keeps its spot (a car inside stands on it).
import { isPgError, PgCode, setActor, withTransaction, isConstraint } from '../db.js';
import { RefusedError } from '../errors.js';
import type { Clock, PoolLike } from '../ports.js';
import { bookedRequest, requestDifferences } from '../reservations/idempotency.js';
import { insertRestoredReservation, selectLiveKeyHolder } from '../sql/booking-files.js';
import { selectSpotByLabel } from '../sql/lots.js';
import { insertPayment } from '../sql/payments.js';
import { liveStatuses, selectReservation, selectReservationAsBooked, type ReservationRow } from '../sql/reservations.js';
import { insertVisit } from '../sql/visits.js';
import { keyedRequest } from './file-keys.js';
import { emptyOutcome, type RowOutcome } from './import-report.js';
import type { PaidMark, PlannedRow } from './plan-row.js';
import type { RestoreFields } from './plan-restore.js';

export interface RestoreDeps {
  clock: Clock;
  actor: string;
  /** the payment reference of a `paid:` mark (the attendant's receipt token) */
  receiptToken: (mark: PaidMark, reservationId: string, currency: string) => string;
}

type RestoreRow = PlannedRow & { restore: RestoreFields };

function found(row: PlannedRow, r: ReservationRow): RowOutcome {
  return {
    ...emptyOutcome(row), status: 'existing', reservationId: r.reservation_id, spot: r.spot_label, reservationStatus: r.status,
    payment: r.payment_status === 'paid' ? 'paid' : 'unpaid',
  };
}

function conflict(row: PlannedRow, code: 'reservation_id_reused' | 'external_ref_reused', message: string): RowOutcome {
  return { ...emptyOutcome(row), status: 'conflict', code, message };
}

/** The booking of this id in the database, as this row's: existing, or a conflict when it is another booking. */
async function recognise(pool: PoolLike, row: RestoreRow): Promise<RowOutcome | null> {
  const r = await selectReservation(pool, row.restore.reservationId);
  if (!r) return null;
  // the window's end may have moved since the export (extend, early exit): the car, type, lot and start name it
  const differences = [
    ...(r.lot_id !== row.lot.lotId ? [`lot ${row.lot.code}, not ${r.lot_code}`] : []),
    ...requestDifferences({ vehicleType: r.vehicle_type, start: r.starts_at, end: r.ends_at, plate: r.plate }, { ...keyedRequest(row), end: r.ends_at }),
  ];
  if (differences.length > 0) return conflict(row, 'reservation_id_reused', `reservation_id ${r.reservation_id} is another booking here (${differences.join('; ')}); nothing was written`);
  return found(row, r);
}

/** The live booking holding this row's external ref: existing when it is the same request, else a conflict. */
async function recogniseByRef(pool: PoolLike, row: RestoreRow): Promise<RowOutcome> {
  const id = await selectLiveKeyHolder(pool, row.lot.lotId, row.externalRef!);
  const stored = id ? await selectReservationAsBooked(pool, row.lot.lotId, id) : null;
  if (!stored) throw new Error(`the booking holding external ref ${row.externalRef} is gone`);
  const differences = requestDifferences(bookedRequest(stored), keyedRequest(row));
  if (differences.length > 0) return conflict(row, 'external_ref_reused', `external_ref ${JSON.stringify(row.externalRef)} was used at ${row.lot.code} for another booking (${differences.join('; ')}); nothing was written`);
  return found(row, stored);
}

export async function restoreRow(deps: RestoreDeps, pool: PoolLike, row: RestoreRow): Promise<RowOutcome> {
  const known = await recognise(pool, row);
  if (known) return known;
  const f = row.restore;
  const refused = (code: string, message: string): RowOutcome => ({ ...emptyOutcome(row), status: 'refused', code, message });
  if (!liveStatuses.includes(f.status)) return refused('not_restorable', `a ${f.status} booking is history: only TENTATIVE, CONFIRMED and CHECKED_IN ones are restored`);
  const now = deps.clock.now();
  try {
    await withTransaction(pool, async (tx) => {
      await setActor(tx, deps.actor, 'restored from a booking file');
      const spot = await selectSpotByLabel(tx, row.lot.lotId, f.spotLabel);
      if (!spot) throw new RefusedError(`${row.lot.code} has no spot ${f.spotLabel}`, { code: 'unknown_spot' });
      if (spot.vehicle_type !== row.vehicleType) throw new RefusedError(`spot ${f.spotLabel} is for ${spot.vehicle_type}, not ${row.vehicleType}`, { code: 'spot_type' });
      const paymentRef = row.paid ? deps.receiptToken(row.paid, f.reservationId, row.lot.currency) : null;
      await insertRestoredReservation(tx, {
        lotId: row.lot.lotId, reservationId: f.reservationId, customerRef: row.customerRef, plate: row.plate, vehicleType: row.vehicleType,
        spotId: spot.spot_id, start: row.start, end: row.end, status: f.status === 'TENTATIVE' ? 'TENTATIVE' : 'CONFIRMED', holdExpiresAt: f.holdExpiresAt,
        priceMinor: f.priceMinor, extensionMinor: f.extensionMinor, currency: row.lot.currency, paymentStatus: row.paid ? 'paid' : 'unpaid',
        paymentProvider: row.paid?.provider ?? null, paymentRef, externalRef: row.externalRef, now,
      });
      if (row.paid) {
        // the money taken before, on record here too: a cancellation refunds it by the lot's policy
        await insertPayment(tx, {
          lotId: row.lot.lotId, reservationId: f.reservationId, purpose: 'reservation', amountMinor: row.paid.amountMinor, currency: row.lot.currency,
          provider: row.paid.provider, providerRef: paymentRef, status: 'succeeded', idempotencyKey: `reservation:${f.reservationId}`, now,
        });
      }
      if (f.status === 'CHECKED_IN') {
        await insertVisit(tx, {
          lotId: row.lot.lotId, reservationId: f.reservationId, plate: row.plate, vehicleType: row.vehicleType, spotId: spot.spot_id,
          gate: f.entryGate ?? 'import', enteredAt: f.enteredAt!,
        });
      }
    });
  } catch (err) {
    if (err instanceof RefusedError) return refused(err.code, err.message);
    if (isPgError(err, PgCode.exclusionViolation) && isConstraint(err, 'reservations_one_per_plate')) {
      return refused('plate_already_booked', `${row.plate} already has a booking at ${row.lot.code} overlapping that window`);
    }
    if (isPgError(err, PgCode.exclusionViolation)) return refused('spot_taken', `spot ${f.spotLabel} is taken for that window`);
    if (isPgError(err, PgCode.uniqueViolation) && isConstraint(err, 'visits_one_open_per_plate')) return refused('already_inside', `${row.plate} is inside ${row.lot.code} on another visit`);
    if (isPgError(err, PgCode.uniqueViolation) && isConstraint(err, 'reservations_external_ref')) return recogniseByRef(pool, row);
    if (isPgError(err, PgCode.uniqueViolation) && isConstraint(err, 'reservations_pkey')) return (await recognise(pool, row))!;
    throw err;
  }
  const restored = await selectReservation(pool, f.reservationId);
  return { ...found(row, restored!), status: 'booked', message: `restored ${restored!.status}` };
}
