// SQL of validations (migrations/0033): validators (a shop, a hotel, a cinema), their uses on tickets,
// visits and bookings, and their prepaid top-ups. The balance and "once per ticket" are constraints;
// the daily limit is counted under the validator's row lock.
import type { Queryable } from '../ports.js';

export type ValidationKind = 'percent' | 'amount' | 'hours';
export type ValidatorBilling = 'prepaid' | 'invoice';

export interface ValidatorRow {
  lot_id: number;
  validator_id: string;
  code: string;
  name: string;
  kind: ValidationKind;
  /** percent 1..100, amount in minor units, or whole hours */
  value: number;
  daily_limit: number | null;
  billing: ValidatorBilling;
  balance_minor: number;
  currency: string;
  active: boolean;
  created_at: Date;
}

const validatorColumns = `lot_id, validator_id::text, code, name, kind, value, daily_limit, billing, balance_minor, currency::text, active, created_at`;

export async function insertValidator(
  db: Queryable,
  v: { lotId: number; code: string; name: string; kind: ValidationKind; value: number; dailyLimit: number | null; billing: ValidatorBilling; balanceMinor: number; currency: string; now: Date },
): Promise<ValidatorRow | null> {
  const { rows } = await db.query<ValidatorRow & Record<string, unknown>>(
    `insert into validators (lot_id, code, name, kind, value, daily_limit, billing, balance_minor, currency, created_at)
     values ($1::integer, $2::text, $3::text, $4::text, $5::bigint, $6::integer, $7::text, $8::bigint, $9::char(3), $10::timestamptz)
     on conflict (lot_id, code) do nothing
     returning ${validatorColumns}`,
    [v.lotId, v.code, v.name, v.kind, v.value, v.dailyLimit, v.billing, v.balanceMinor, v.currency, v.now],
  );
  return rows[0] ?? null;
}

export async function selectValidatorByCode(db: Queryable, lotId: number, code: string, opts: { forUpdate?: boolean } = {}): Promise<ValidatorRow | null> {
  const { rows } = await db.query<ValidatorRow & Record<string, unknown>>(
    `select ${validatorColumns} from validators where lot_id = $1::integer and code = $2::text${opts.forUpdate ? ' for update' : ''}`,
    [lotId, code.toUpperCase()],
  );
  return rows[0] ?? null;
}

export async function selectValidators(db: Queryable, lotId: number): Promise<ValidatorRow[]> {
  const { rows } = await db.query<ValidatorRow & Record<string, unknown>>(`select ${validatorColumns} from validators where lot_id = $1::integer order by code`, [lotId]);
  return rows;
}

/** Uses of a validator on one lot-local day (its daily limit). */
export async function countUsesOnDay(db: Queryable, lotId: number, validatorId: string, day: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `select count(*)::integer as n from validation_uses where lot_id = $1::integer and validator_id = $2::uuid and local_day = $3::date`,
    [lotId, validatorId, day],
  );
  return rows[0]!.n;
}

/**
 * Takes `amountMinor` off a prepaid balance; false when the balance is short (the check constraint
 * `balance_minor >= 0` refuses, and the caller's savepoint-free statement changes nothing).
 */
export async function debitValidator(db: Queryable, lotId: number, validatorId: string, amountMinor: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `update validators set balance_minor = balance_minor - $3::bigint
      where lot_id = $1::integer and validator_id = $2::uuid and billing = 'prepaid' and balance_minor >= $3::bigint`,
    [lotId, validatorId, amountMinor],
  );
  return rowCount === 1;
}

export async function creditValidator(db: Queryable, t: { lotId: number; validatorId: string; amountMinor: number; at: Date; actor: string }): Promise<void> {
  await db.query(
    `update validators set balance_minor = balance_minor + $3::bigint where lot_id = $1::integer and validator_id = $2::uuid and billing = 'prepaid'`,
    [t.lotId, t.validatorId, t.amountMinor],
  );
  await db.query(
    `insert into validator_topups (lot_id, validator_id, amount_minor, at, actor) values ($1::integer, $2::uuid, $3::bigint, $4::timestamptz, $5::text)`,
    [t.lotId, t.validatorId, t.amountMinor, t.at, t.actor],
  );
}

export interface ValidationUseRow {
  use_id: string;
  validator_id: string;
  ticket_id: string | null;
  visit_id: string | null;
  reservation_id: string | null;
  amount_minor: number;
  local_day: string;
  applied_at: Date;
  actor: string;
}

export async function insertValidationUse(
  db: Queryable,
  u: { lotId: number; validatorId: string; ticketId: string | null; visitId: string | null; reservationId: string | null; amountMinor: number; localDay: string; at: Date; actor: string },
): Promise<ValidationUseRow> {
  const { rows } = await db.query<ValidationUseRow & Record<string, unknown>>(
    `insert into validation_uses (lot_id, validator_id, ticket_id, visit_id, reservation_id, amount_minor, local_day, applied_at, actor)
     values ($1::integer, $2::uuid, $3::uuid, $4::uuid, $5::uuid, $6::bigint, $7::date, $8::timestamptz, $9::text)
     returning use_id::text, validator_id::text, ticket_id::text, visit_id::text, reservation_id::text, amount_minor, local_day::text, applied_at, actor`,
    [u.lotId, u.validatorId, u.ticketId, u.visitId, u.reservationId, u.amountMinor, u.localDay, u.at, u.actor],
  );
  return rows[0]!;
}

/** Validated off a visit so far (all validators). */
export async function sumValidatedForVisit(db: Queryable, lotId: number, visitId: string): Promise<number> {
  const { rows } = await db.query<{ s: number }>(
    `select coalesce(sum(amount_minor), 0)::bigint as s from validation_uses where lot_id = $1::integer and visit_id = $2::uuid`,
    [lotId, visitId],
  );
  return Number(rows[0]!.s);
}

export interface ValidationReportDay {
  day: string;
  uses: number;
  amount_minor: number;
}

/** A validator's uses per lot-local day in [from, to] (dates, inclusive), and its top-ups in that time. */
export async function selectValidationReport(db: Queryable, lotId: number, validatorId: string, from: string, to: string): Promise<{ days: ValidationReportDay[]; topupsMinor: number }> {
  const [days, topups] = await Promise.all([
    db.query<ValidationReportDay & Record<string, unknown>>(
      `select local_day::text as day, count(*)::integer as uses, sum(amount_minor)::bigint as amount_minor
         from validation_uses where lot_id = $1::integer and validator_id = $2::uuid and local_day between $3::date and $4::date
        group by local_day order by local_day`,
      [lotId, validatorId, from, to],
    ),
    db.query<{ s: number }>(
      `select coalesce(sum(t.amount_minor), 0)::bigint as s from validator_topups t join lots l on l.lot_id = t.lot_id
        where t.lot_id = $1::integer and t.validator_id = $2::uuid and (t.at at time zone l.time_zone)::date between $3::date and $4::date`,
      [lotId, validatorId, from, to],
    ),
  ]);
  return { days: days.rows.map((d) => ({ ...d, amount_minor: Number(d.amount_minor) })), topupsMinor: Number(topups.rows[0]!.s) };
}

export interface GateValidatorRow {
  code: string;
  kind: ValidationKind;
  value: number;
  daily_limit: number | null;
  uses_today: number;
  balance_minor: number | null;
}

/** Active validators with today's count (lot day `day`): what an exit lane judges a scanned validation by. */
export async function selectGateValidators(db: Queryable, lotId: number, day: string): Promise<GateValidatorRow[]> {
  const { rows } = await db.query<GateValidatorRow & Record<string, unknown>>(
    `select v.code, v.kind, v.value, v.daily_limit,
            (select count(*) from validation_uses u where u.lot_id = v.lot_id and u.validator_id = v.validator_id and u.local_day = $2::date)::integer as uses_today,
            case when v.billing = 'prepaid' then v.balance_minor end as balance_minor
       from validators v where v.lot_id = $1::integer and v.active`,
    [lotId, day],
  );
  return rows;
}

/**
 * A validation an exit lane applied offline, as its exit is synced (the gate role, through a function
 * that applies the same rules as the desk). 'applied', or why not: then the amount is owed on the visit.
 */
export async function applyGateValidation(db: Queryable, v: { lotId: number; code: string; visitId: string; amountMinor: number; at: Date; actor: string }): Promise<string> {
  const { rows } = await db.query<{ r: string }>(
    `select parkctl_gate_apply_validation($1::integer, $2::text, $3::uuid, $4::bigint, $5::timestamptz, $6::text) as r`,
    [v.lotId, v.code, v.visitId, v.amountMinor, v.at, v.actor],
  );
  return rows[0]!.r;
}

/** Whether this validator already validated this visit (once per stay). */
export async function hasValidatedVisit(db: Queryable, lotId: number, validatorId: string, visitId: string): Promise<boolean> {
  const { rows } = await db.query(`select 1 from validation_uses where lot_id = $1::integer and validator_id = $2::uuid and visit_id = $3::uuid`, [lotId, validatorId, visitId]);
  return rows.length > 0;
}
