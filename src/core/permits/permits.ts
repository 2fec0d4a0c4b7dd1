// Monthly permits (issue 15): made, suspended, resumed, cancelled and renewed here; decided at the gate
// from the allow-list (src/core/gate/permit-entry.ts). A renewal is a payments row of purpose `permit`
// and moves paid_until on by whole periods in the lot's zone; pressing it twice takes it once.
import { DateTime } from 'luxon';
import { lotChanged, type ChangeDeps } from '../changes.js';
import { setActor, withTransaction } from '../db.js';
import { NotFoundError, RefusedError, UsageError } from '../errors.js';
import { badIdPrefix } from '../ids/prefix.js';
import type { Lot } from '../lots/lot.js';
import type { Clock, PoolLike } from '../ports.js';
import { insertEvent, insertPayment, selectPaymentByKey, type PaymentRow } from '../sql/payments.js';
import {
  closePermitVisits, insertPermit, selectPermit, selectPermitByRef, selectPermitIdsByPrefix, selectPlateClashes, updatePermitPaidUntil,
  updatePermitStatus, type PermitRow,
} from '../sql/permits.js';

export interface PermitDeps extends ChangeDeps {
  pool: PoolLike;
  clock: Clock;
  actor: string;
}

export type PermitPeriod = 'week' | 'month' | 'quarter' | 'year';
export const permitPeriods: readonly PermitPeriod[] = ['week', 'month', 'quarter', 'year'];

export interface PermitRequest {
  holder: string;
  plates: readonly string[];
  vehicleType: string;
  validFrom: Date;
  validUntil: Date;
  days: readonly number[];
  fromMinute: number;
  toMinute: number;
  parks: number;
  price?: { minor: number; every: PermitPeriod } | null;
  /** paid up to here already (an import of permits paid elsewhere); absent: the first period is due */
  paidUntil?: Date | null;
  externalRef?: string | null;
  note?: string | null;
}

const sameRequest = (row: PermitRow, req: PermitRequest): boolean =>
  row.holder === req.holder && [...row.plates].sort().join() === [...req.plates].sort().join() && row.valid_from.getTime() === req.validFrom.getTime()
  && row.valid_until.getTime() === req.validUntil.getTime() && row.days.join() === [...req.days].join() && row.from_minute === req.fromMinute
  && row.to_minute === req.toMinute && row.parks === req.parks && row.vehicle_type === req.vehicleType
  && (row.price_minor ?? null) === (req.price?.minor ?? null) && (row.period ?? null) === (req.price?.every ?? null);

/** Makes a permit; with an external ref, the same request again returns the stored one (`created: false`). */
export async function createPermit(deps: PermitDeps, lot: Lot, req: PermitRequest): Promise<{ permit: PermitRow; created: boolean }> {
  const holder = req.holder.trim();
  if (!holder) throw new UsageError('a permit needs a holder', { hint: 'e.g. --holder "Acme Ltd"', code: 'bad_holder' });
  if (req.plates.length === 0 || req.plates.length > 20) throw new UsageError('a permit needs 1 to 20 plates', { hint: 'e.g. --plate AB12CDE --plate XY34ZZZ', code: 'bad_plates' });
  if (!(req.validUntil > req.validFrom)) throw new UsageError('--until must be after --from', { hint: 'e.g. --from 2026-12-01 --until 2027-12-01', code: 'bad_window' });
  if (!Number.isInteger(req.parks) || req.parks < 1 || req.parks > 1000) throw new UsageError('--parks is 1 to 1000', { hint: 'how many of its vehicles may be inside at once', code: 'bad_parks' });
  const at = deps.clock.now();
  const plates = [...new Set(req.plates)];
  const made = await withTransaction(deps.pool, async (tx) => {
    await setActor(tx, deps.actor);
    if (req.externalRef) {
      const known = await selectPermitByRef(tx, lot.lotId, req.externalRef);
      if (known) {
        if (!sameRequest(known, { ...req, holder, plates })) {
          throw new UsageError(`external ref "${req.externalRef}" is permit ${known.permit_id} of ${known.holder}, made with other details`, { hint: 'use a new --external-ref, or change that permit', code: 'external_ref_reused' });
        }
        return { id: known.permit_id, created: false };
      }
    }
    // one plate, one live permit at a time: the gate could not tell whose place it takes
    await tx.query('select pg_advisory_xact_lock($1, 31)', [lot.lotId]);
    const clashes = await selectPlateClashes(tx, lot.lotId, plates, req.validFrom, req.validUntil);
    if (clashes[0]) {
      throw new RefusedError(`${clashes[0].plate} is already on permit ${clashes[0].permit_id} (${clashes[0].holder}) for part of that time`, {
        hint: `cancel that permit first (parkctl permit cancel ${clashes[0].permit_id.slice(0, 8)} --lot ${lot.code}), or change its plates`, code: 'plate_has_permit',
      });
    }
    const id = await insertPermit(tx, {
      lotId: lot.lotId, holder, plates, vehicleType: req.vehicleType, validFrom: req.validFrom, validUntil: req.validUntil, days: req.days,
      fromMinute: req.fromMinute, toMinute: req.toMinute, parks: req.parks, priceMinor: req.price?.minor ?? null, currency: lot.currency,
      period: req.price?.every ?? null, paidUntil: req.price ? req.paidUntil ?? null : null, externalRef: req.externalRef ?? null, note: req.note ?? null, at,
    });
    if (!id) throw new RefusedError(`external ref "${req.externalRef}" was taken meanwhile`, { hint: 'run it again', code: 'external_ref_race' });
    await insertEvent(tx, { lotId: lot.lotId, kind: 'permit.created', reservationId: null, actor: deps.actor, at, detail: { permit_id: id, holder, plates } });
    return { id, created: true };
  });
  await lotChanged(deps, lot.lotId);
  return { permit: (await selectPermit(deps.pool, lot.lotId, made.id))!, created: made.created };
}

/** A permit by its id or a unique prefix of it (at least 4 characters). */
export async function findPermit(deps: { pool: PoolLike }, lot: Lot, idOrPrefix: string): Promise<PermitRow> {
  const text = idOrPrefix.trim().toLowerCase();
  if (!/^[0-9a-f-]{4,36}$/.test(text)) throw badIdPrefix(idOrPrefix, 'permit', 'bad_permit_id', `see them: parkctl permit list --lot ${lot.code}`);
  const ids = await selectPermitIdsByPrefix(deps.pool, lot.lotId, text, 6);
  if (ids.length === 0) throw new NotFoundError(`no permit ${text} in ${lot.code}`, { hint: `see them: parkctl permit list --lot ${lot.code}`, code: 'unknown_permit' });
  if (ids.length > 1) throw new UsageError(`permit id prefix ${text} is ambiguous: ${ids.map((i) => i.slice(0, 12)).join(', ')}${ids.length > 5 ? ', ...' : ''}`, { hint: 'type more of the id', code: 'ambiguous_id' });
  return (await selectPermit(deps.pool, lot.lotId, ids[0]!))!;
}

const transitions: Record<'suspend' | 'resume' | 'cancel', { from: PermitRow['status'][]; to: PermitRow['status'] }> = {
  suspend: { from: ['active'], to: 'suspended' },
  resume: { from: ['suspended'], to: 'active' },
  cancel: { from: ['active', 'suspended'], to: 'cancelled' },
};

export async function changePermitStatus(deps: PermitDeps, lot: Lot, permitId: string, action: 'suspend' | 'resume' | 'cancel', reason: string | null): Promise<PermitRow> {
  const at = deps.clock.now();
  const t = transitions[action];
  await withTransaction(deps.pool, async (tx) => {
    await setActor(tx, deps.actor, reason ?? undefined);
    const p = await selectPermit(tx, lot.lotId, permitId, { forUpdate: true });
    if (!p) throw new NotFoundError(`no permit ${permitId} in ${lot.code}`, { code: 'unknown_permit' });
    if (p.status === t.to) return; // already so: the same request twice lands once
    if (!t.from.includes(p.status)) throw new RefusedError(`permit ${p.permit_id} is ${p.status}: it cannot be ${t.to}`, { hint: 'see it: parkctl permit show', code: 'permit_status' });
    await updatePermitStatus(tx, lot.lotId, p.permit_id, t.to, at);
    await insertEvent(tx, { lotId: lot.lotId, kind: `permit.${t.to}`, reservationId: null, actor: deps.actor, reason, at, detail: { permit_id: p.permit_id, holder: p.holder } });
  });
  await lotChanged(deps, lot.lotId);
  return (await selectPermit(deps.pool, lot.lotId, permitId))!;
}

/** paid_until moved on by n periods, in the lot's zone (a month from 31 Jan is 28/29 Feb, as luxon does). */
export function addPeriods(from: Date, period: PermitPeriod, n: number, timeZone: string): Date {
  const start = DateTime.fromJSDate(from, { zone: timeZone });
  const plus = period === 'week' ? { weeks: n } : period === 'month' ? { months: n } : period === 'quarter' ? { months: 3 * n } : { years: n };
  return start.plus(plus).toJSDate();
}

export interface Renewal {
  permit: PermitRow;
  payment: PaymentRow;
  /** false: this key's renewal was taken before (a repeated command): nothing taken now */
  taken: boolean;
}

/**
 * Takes payment for the next `periods` periods (cash or the desk's card terminal) and moves paid_until on.
 * `key` makes it land once: the same key again returns the first renewal and takes nothing.
 */
export async function renewPermit(deps: PermitDeps, lot: Lot, permitId: string, req: { method: 'cash' | 'card' | 'stripe'; periods: number; key: string }): Promise<Renewal> {
  if (!Number.isInteger(req.periods) || req.periods < 1 || req.periods > 36) throw new UsageError('--periods is 1 to 36', { hint: 'e.g. --periods 3', code: 'bad_periods' });
  const at = deps.clock.now();
  const key = `permit-renew:${req.key}`;
  const out = await withTransaction(deps.pool, async (tx) => {
    await setActor(tx, deps.actor);
    const p = await selectPermit(tx, lot.lotId, permitId, { forUpdate: true });
    if (!p) throw new NotFoundError(`no permit ${permitId} in ${lot.code}`, { code: 'unknown_permit' });
    const before = await selectPaymentByKey(tx, lot.lotId, key);
    if (before) return { payment: before, taken: false };
    if (p.price_minor === null || p.period === null) throw new RefusedError(`permit ${p.permit_id} is free: nothing to renew`, { hint: 'a price is set with --price-minor and --every at create', code: 'permit_free' });
    if (p.status === 'cancelled') throw new RefusedError(`permit ${p.permit_id} is cancelled`, { hint: 'make a new permit', code: 'permit_status' });
    const paidUntil = addPeriods(p.paid_until ?? p.valid_from, p.period, req.periods, lot.timeZone);
    const payment = (await insertPayment(tx, {
      lotId: lot.lotId, purpose: 'permit', amountMinor: p.price_minor * req.periods, currency: p.currency, provider: req.method,
      status: 'succeeded', idempotencyKey: key, note: `permit ${p.holder}: ${req.periods} ${p.period}${req.periods === 1 ? '' : 's'} to ${paidUntil.toISOString()}`, now: at,
    }))!;
    await tx.query('update payments set permit_id = $3::uuid where lot_id = $1 and payment_id = $2::uuid', [lot.lotId, payment.payment_id, p.permit_id]);
    await updatePermitPaidUntil(tx, lot.lotId, p.permit_id, paidUntil, at);
    await insertEvent(tx, {
      lotId: lot.lotId, kind: 'permit.renewed', reservationId: null, actor: deps.actor, at,
      detail: { permit_id: p.permit_id, payment_id: payment.payment_id, amount_minor: payment.amount_minor, paid_until: paidUntil.toISOString(), method: req.method },
    });
    return { payment, taken: true };
  });
  if (out.taken) await lotChanged(deps, lot.lotId);
  return { permit: (await selectPermit(deps.pool, lot.lotId, permitId))!, payment: out.payment, taken: out.taken };
}

/**
 * Anti-passback back to neutral: the permit cars the system thinks are inside (a barrier was left up, a
 * car left without being read) are taken as gone, so each may come in again. One permit, or all of the lot's.
 */
export async function resetPermitPassback(deps: PermitDeps, lot: Lot, permitId: string | null, reason: string): Promise<{ visits: { visitId: string; plate: string; permitId: string }[] }> {
  if (!reason.trim()) throw new UsageError('a passback reset needs --reason', { hint: 'e.g. --reason "barrier left up during the fire drill"', code: 'no_reason' });
  const at = deps.clock.now();
  const closed = await withTransaction(deps.pool, async (tx) => {
    await setActor(tx, deps.actor, reason);
    const rows = await closePermitVisits(tx, lot.lotId, permitId, at);
    await insertEvent(tx, {
      lotId: lot.lotId, kind: 'permit.passback_reset', reservationId: null, actor: deps.actor, reason, at,
      detail: { permit_id: permitId, visits: rows.length, plates: rows.map((r) => r.plate).slice(0, 100) },
    });
    return rows;
  });
  await lotChanged(deps, lot.lotId);
  return { visits: closed.map((r) => ({ visitId: r.visit_id, plate: r.plate, permitId: r.permit_id })) };
}
