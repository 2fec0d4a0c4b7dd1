// reserve (seed 000 reserve_spot): one short transaction that picks a free spot and holds it TENTATIVE,
// then, outside it, a checkout from the payment provider. The database's exclusion constraints are the
// proof; the allocator (parkctl_reserve) is the fast path.
import { countCapacity } from '../capacity.js';
import { lotChanged, type ChangeDeps } from '../changes.js';
import { RefusedError } from '../errors.js';
import { checkWindow, minWindowMinutes } from '../input.js';
import { isPgError, PgCode, isConstraint } from '../db.js';
import type { Lot } from '../lots/lot.js';
import type { OccupancyMemo } from '../occupancy-memo.js';
import type { Clock, Logger, LotRoutes, PaymentProvider, Queryable } from '../ports.js';
import { lotNodeDb } from './lot-node-db.js';
import { quoteWindow } from '../pricing/index.js';
import type { VehicleType } from '../pricing/vehicle-types.js';
import { lotPermitPolicy } from '../permits/policy.js';
import { describeProviderFailure, type ProviderFailureKind } from '../payments/provider-error.js';
import { recordCheckoutRef } from '../sql/payments.js';
import { callReserve, reservationExistsForKey, selectReservationAsBooked, type ReservationStatus } from '../sql/reservations.js';
import { reservationJson, type ReservationJson } from '../json/shapes.js';
import { bookedRequest, keyReusedError, requestDifferences } from './idempotency.js';

export interface ReserveDeps extends ChangeDeps {
  db: Queryable;
  clock: Clock;
  payments: PaymentProvider;
  actor: string;
  occupancy?: OccupancyMemo | undefined;
  logger?: Logger | undefined;
  /** [0, 1): where the spot scan starts; injectable so tests can force collisions */
  random?: () => number;
  /** on Citus: the allocator call goes straight to the lot's node (the rest of reserve stays on `db`) */
  lotRoutes?: LotRoutes | undefined;
}

export interface ReserveRequest {
  vehicleType: VehicleType;
  start: Date;
  end: Date;
  /** normalised */
  plate: string;
  customerRef: string;
  /**
   * caller's idempotency key: the same key with the same request returns the reservation it made (as
   * stored now); with another request (type, window, plate) it is refused, exit 2
   */
  externalRef?: string | null;
}

/** A reservation in its one JSON shape (core/json/shapes.ts), with what this call adds. */
export interface ReserveResult extends ReservationJson {
  vehicleType: VehicleType;
  status: ReservationStatus;
  /** null when the provider failed (see paymentError): the reservation stands, the link can be fetched later */
  paymentUrl: string | null;
  /** why there is no payment link, named: an outage passes, a configuration error needs fixing */
  paymentError: PaymentLinkError | null;
  /** false when externalRef matched an earlier reservation */
  created: boolean;
  /** allocation attempts that hit a concurrent writer and tried another spot */
  retries: number;
}

export interface PaymentLinkError {
  kind: ProviderFailureKind;
  /** the provider: Stripe */
  service: string;
  message: string;
  hint: string | null;
}

/** Attempts before "no spot free" is believed over a racing writer. */
const maxAttempts = 6;

export async function reserve(deps: ReserveDeps, lot: Lot, req: ReserveRequest): Promise<ReserveResult> {
  const now = deps.clock.now();
  checkWindow(req.start, req.end, { maxWindowMinutes: lot.maxWindowMinutes, now, minMinutes: minWindowMinutes });
  const range = lot.spotRanges.get(req.vehicleType);
  if (!range || range.count === 0) {
    throw new RefusedError(`${lot.code} has no ${req.vehicleType} spots`, { hint: 'check the lot with: parkctl lot show ' + lot.code, code: 'no_spot_free' });
  }
  await refuseIntoPermitPlaces(deps, lot, req);
  const occupancy = deps.occupancy;
  const onLotNode = lotNodeDb(deps, lot.lotId);
  const occupancyRatio = occupancy ? await occupancy.ratio({ ...deps, db: onLotNode }, lot, req.vehicleType, req.start, req.end) : undefined;
  const quote = quoteWindow(lot.pricing, { timeZone: lot.timeZone, vehicleType: req.vehicleType, start: req.start, end: req.end, occupancyRatio });
  const holdExpiresAt = new Date(now.getTime() + lot.holdMinutes * 60_000);
  const random = deps.random ?? Math.random;

  let retries = 0;
  for (let attempt = 1; ; attempt++) {
    const startSpotId = range.minSpotId + Math.floor(random() * (range.maxSpotId - range.minSpotId + 1));
    try {
      const row = await callReserve(onLotNode, {
        lotId: lot.lotId, vehicleType: req.vehicleType, start: req.start, end: req.end, plate: req.plate,
        customerRef: req.customerRef, priceMinor: quote.totalMinor, currency: lot.currency, holdExpiresAt, now,
        externalRef: req.externalRef ?? null, startSpotId, actor: deps.actor,
      });
      if (!row) {
        throw new RefusedError(`no ${req.vehicleType} spot free at ${lot.code} for that window`, {
          hint: `see what is free: parkctl capacity check --lot ${lot.code} --type ${req.vehicleType} --from ... --to ...`,
          code: 'no_spot_free',
        });
      }
      if (row.created) await lotChanged(deps, lot.lotId);
      // as the row now stands (parkctl_reserve inserts it with these values and created_at = updated_at = now)
      const result: ReserveResult = row.created ? {
        reservationId: row.reservation_id, lotCode: lot.code, timeZone: lot.timeZone, spotLabel: row.label, plate: req.plate,
        vehicleType: req.vehicleType, customerRef: req.customerRef, externalRef: req.externalRef ?? null, start: req.start, end: req.end,
        status: row.status, holdExpiresAt: row.hold_expires_at, priceMinor: row.price_minor, extensionMinor: 0, currency: lot.currency,
        paymentStatus: 'unpaid', paymentProvider: null, paymentRef: null, createdAt: now, updatedAt: now,
        paymentUrl: null, paymentError: null, created: true, retries,
      } : await storedForKey(deps, lot, req, row.reservation_id, retries);
      if (row.status === 'TENTATIVE') await attachCheckout(deps, lot, result);
      return result;
    } catch (err) {
      if (isPgError(err, PgCode.exclusionViolation) && isConstraint(err, 'reservations_one_per_plate')) {
        throw new RefusedError(`${req.plate} already has a booking at ${lot.code} overlapping that window`, {
          hint: `see it with: parkctl booking list --lot ${lot.code} --plate ${req.plate}`,
          code: 'plate_already_booked',
        });
      }
      const collided = isPgError(err, PgCode.exclusionViolation) || isPgError(err, PgCode.deadlockDetected) || isPgError(err, PgCode.uniqueViolation);
      if (!collided || attempt >= maxAttempts) throw err;
      retries++;
    }
  }
}

/**
 * A lot that keeps places for permit cars (policy.permits.reserved_spots) sells a booking only while the
 * window has a place beyond them, as `capacity check` counts it. A count, not a spot: two bookings racing
 * for the last place may both pass this check (the allocator still gives each its own spot; the kept
 * places shrink by one until a booking ends). Lots that keep none pay nothing for it. A repeated request
 * whose key already booked is answered by the allocator, never refused here.
 */
async function refuseIntoPermitPlaces(deps: ReserveDeps, lot: Lot, req: ReserveRequest): Promise<void> {
  const kept = lotPermitPolicy(lot.policy).reservedSpots[req.vehicleType] ?? 0;
  if (kept <= 0) return;
  const { free } = await countCapacity({ db: lotNodeDb(deps, lot.lotId), clock: deps.clock }, lot, req.vehicleType, req.start, req.end);
  if (free > 0) return;
  if (req.externalRef) {
    if (await reservationExistsForKey(deps.db, lot.lotId, req.externalRef)) return;
  }
  throw new RefusedError(`no ${req.vehicleType} spot free at ${lot.code} for that window: the spots left are kept for permit holders`, {
    hint: `see what is free: parkctl capacity check --lot ${lot.code} --type ${req.vehicleType} --from ... --to ...`,
    code: 'no_spot_free',
  });
}

/**
 * The booking an earlier call made with this external ref, as it is stored (its spot, window and status
 * now), when this call is the same request; another request under the same key is refused (exit 2).
 */
async function storedForKey(deps: ReserveDeps, lot: Lot, req: ReserveRequest, reservationId: string, retries: number): Promise<ReserveResult> {
  const stored = await selectReservationAsBooked(deps.db, lot.lotId, reservationId);
  if (!stored) throw new Error(`reservation ${reservationId} found by its external ref is gone`);
  const differences = requestDifferences(bookedRequest(stored), req);
  if (differences.length > 0) throw keyReusedError(req.externalRef ?? '', stored, differences);
  return { ...reservationJson(stored), vehicleType: stored.vehicle_type, status: stored.status, paymentUrl: null, paymentError: null, created: false, retries };
}

/** Outside the transaction: a slow or failing provider never holds a lock or loses a booking. */
async function attachCheckout(deps: ReserveDeps, lot: Lot, result: ReserveResult): Promise<void> {
  try {
    const checkout = await deps.payments.createCheckout({
      reservationId: result.reservationId, lotId: lot.lotId, lotCode: lot.code, amountMinor: result.priceMinor,
      currency: result.currency, expiresAt: result.holdExpiresAt!, customerRef: result.customerRef, idempotencyKey: `reservation:${result.reservationId}`,
    });
    // A provider-side checkout is kept (`booking pay-link` shows it again); the cash "link" is only words.
    // Kept before it is shown: a link shown but not kept would make pay-link open a second checkout.
    if (checkout.providerRef) {
      await recordCheckoutRef(deps.db, { lotId: lot.lotId, reservationId: result.reservationId, provider: checkout.provider, checkoutRef: checkout.providerRef, checkoutUrl: checkout.paymentUrl });
    }
    result.paymentUrl = checkout.paymentUrl;
  } catch (err) {
    // The reservation stands whatever failed here (it has an id): the failure is named, never thrown.
    const failure = describeProviderFailure(err) ?? { kind: 'unavailable' as const, service: deps.payments.name, message: String(err), hint: null };
    result.paymentError = failure;
    deps.logger?.warn(`payment link not made at reserve (${failure.kind}); reservation kept`, { reservationId: result.reservationId, error: failure.message });
  }
}
