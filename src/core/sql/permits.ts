// The permits tables (migration 0031): permits, their plates, and what they touch in visits and payments.
import type { Queryable } from '../ports.js';

export type PermitRow = {
  lot_id: number;
  permit_id: string;
  holder: string;
  plates: string[];
  vehicle_type: string;
  valid_from: Date;
  valid_until: Date;
  days: number[];
  from_minute: number;
  to_minute: number;
  parks: number;
  status: 'active' | 'suspended' | 'cancelled';
  price_minor: number | null;
  currency: string;
  period: 'week' | 'month' | 'quarter' | 'year' | null;
  paid_until: Date | null;
  external_ref: string | null;
  note: string | null;
  created_at: Date;
  updated_at: Date;
  /** the permit's vehicles inside now */
  inside: number;
};

const permitSelect = `select p.lot_id, p.permit_id::text, p.holder,
    (select coalesce(array_agg(pp.plate order by pp.plate), '{}') from permit_plates pp where pp.lot_id = p.lot_id and pp.permit_id = p.permit_id) as plates,
    p.vehicle_type::text, p.valid_from, p.valid_until, p.days::integer[] as days, p.from_minute, p.to_minute, p.parks, p.status,
    p.price_minor::float8 as price_minor, p.currency, p.period, p.paid_until, p.external_ref, p.note, p.created_at, p.updated_at,
    (select count(*)::integer from visits v where v.lot_id = p.lot_id and v.permit_id = p.permit_id and v.exited_at is null) as inside
  from permits p`;

export interface NewPermit {
  lotId: number;
  holder: string;
  plates: readonly string[];
  vehicleType: string;
  validFrom: Date;
  validUntil: Date;
  days: readonly number[];
  fromMinute: number;
  toMinute: number;
  parks: number;
  priceMinor: number | null;
  currency: string;
  period: string | null;
  paidUntil: Date | null;
  externalRef: string | null;
  note: string | null;
  at: Date;
}

/** Null when the external ref is already used in the lot. */
export async function insertPermit(db: Queryable, p: NewPermit): Promise<string | null> {
  const { rows } = await db.query<{ permit_id: string }>(
    `insert into permits (lot_id, holder, vehicle_type, valid_from, valid_until, days, from_minute, to_minute, parks, price_minor, currency, period,
                          paid_until, external_ref, note, created_at, updated_at)
     values ($1, $2, $3::vehicle_type, $4, $5, $6::smallint[], $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)
     on conflict (lot_id, external_ref) do nothing
     returning permit_id::text`,
    [p.lotId, p.holder, p.vehicleType, p.validFrom, p.validUntil, p.days, p.fromMinute, p.toMinute, p.parks, p.priceMinor, p.currency, p.period,
      p.paidUntil, p.externalRef, p.note, p.at],
  );
  const id = rows[0]?.permit_id ?? null;
  if (id) {
    await db.query(`insert into permit_plates (lot_id, permit_id, plate) select $1, $2::uuid, unnest($3::text[])`, [p.lotId, id, p.plates]);
  }
  return id;
}

export async function selectPermit(db: Queryable, lotId: number, permitId: string, opts: { forUpdate?: boolean } = {}): Promise<PermitRow | null> {
  if (opts.forUpdate) await db.query(`select 1 from permits where lot_id = $1 and permit_id = $2::uuid for update`, [lotId, permitId]);
  const { rows } = await db.query<PermitRow>(`${permitSelect} where p.lot_id = $1 and p.permit_id = $2::uuid`, [lotId, permitId]);
  return rows[0] ?? null;
}

export async function selectPermitByRef(db: Queryable, lotId: number, externalRef: string): Promise<PermitRow | null> {
  const { rows } = await db.query<PermitRow>(`${permitSelect} where p.lot_id = $1 and p.external_ref = $2`, [lotId, externalRef]);
  return rows[0] ?? null;
}

/** Permit ids of the lot that start with `prefix` (a short id typed from a table). */
export async function selectPermitIdsByPrefix(db: Queryable, lotId: number, prefix: string, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ permit_id: string }>(
    `select permit_id::text from permits where lot_id = $1 and permit_id::text like $2 || '%' order by permit_id limit $3`, [lotId, prefix, limit]);
  return rows.map((r) => r.permit_id);
}

export interface PermitFilter {
  lotId: number;
  status?: string | null;
  plate?: string | null;
  /** priced permits whose paid period has ended (before the grace) */
  unpaidAt?: Date | null;
  limit: number;
}

/** The filter of selectPermits and countPermits ($1 lot, $2 status, $3 plate, $4 unpaid at). */
const permitWhere = `where p.lot_id = $1
        and ($2::text is null or p.status = $2::text)
        and ($3::text is null or exists (select 1 from permit_plates pp where pp.lot_id = p.lot_id and pp.permit_id = p.permit_id and pp.plate = $3::text))
        and ($4::timestamptz is null or (p.price_minor is not null and p.status = 'active' and coalesce(p.paid_until, p.valid_from) <= $4::timestamptz))`;

const permitFilterValues = (f: Omit<PermitFilter, 'limit'>) => [f.lotId, f.status ?? null, f.plate ?? null, f.unpaidAt ?? null];

export async function selectPermits(db: Queryable, f: PermitFilter): Promise<PermitRow[]> {
  const { rows } = await db.query<PermitRow>(
    `${permitSelect}
      ${permitWhere}
      order by p.holder, p.created_at limit $5`,
    [...permitFilterValues(f), f.limit],
  );
  return rows;
}

/** How many permits of the lot match the filter (all of them without one): the "showing N of M" of a list. */
export async function countPermits(db: Queryable, lotId: number, f: Omit<PermitFilter, 'limit' | 'lotId'> = {}): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`select count(*)::integer as n from permits p ${permitWhere}`, permitFilterValues({ ...f, lotId }));
  return rows[0]!.n;
}

/** Other live permits holding any of these plates over an overlapping period. */
export async function selectPlateClashes(db: Queryable, lotId: number, plates: readonly string[], from: Date, until: Date): Promise<{ plate: string; permit_id: string; holder: string }[]> {
  const { rows } = await db.query<{ plate: string; permit_id: string; holder: string }>(
    `select pp.plate, p.permit_id::text, p.holder from permit_plates pp join permits p on p.lot_id = pp.lot_id and p.permit_id = pp.permit_id
      where pp.lot_id = $1 and pp.plate = any($2::text[]) and p.status <> 'cancelled' and p.valid_from < $4 and p.valid_until > $3
      order by pp.plate`,
    [lotId, plates, from, until],
  );
  return rows;
}

export async function updatePermitStatus(db: Queryable, lotId: number, permitId: string, to: string, at: Date): Promise<void> {
  await db.query(`update permits set status = $3, updated_at = $4 where lot_id = $1 and permit_id = $2::uuid`, [lotId, permitId, to, at]);
}

export async function updatePermitPaidUntil(db: Queryable, lotId: number, permitId: string, paidUntil: Date, at: Date): Promise<void> {
  await db.query(`update permits set paid_until = $3, updated_at = $4 where lot_id = $1 and permit_id = $2::uuid`, [lotId, permitId, paidUntil, at]);
}

/** Closes open permit visits (all of the lot's, or one permit's) at `at`; the visits closed. */
export async function closePermitVisits(db: Queryable, lotId: number, permitId: string | null, at: Date): Promise<{ visit_id: string; plate: string; permit_id: string }[]> {
  const { rows } = await db.query<{ visit_id: string; plate: string; permit_id: string }>(
    `update visits set exited_at = greatest($3::timestamptz, entered_at), exit_gate = 'passback-reset'
      where lot_id = $1 and permit_id is not null and exited_at is null and ($2::uuid is null or permit_id = $2::uuid)
      returning visit_id::text, plate, permit_id::text`,
    [lotId, permitId, at],
  );
  return rows;
}
