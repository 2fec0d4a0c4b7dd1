// The shifts table (migration 0030) and the cash movements a shift's drawer saw.
import type { Queryable } from '../ports.js';

export type ShiftRow = {
  lot_id: number;
  shift_id: string;
  attendant: string;
  float_minor: number;
  currency: string;
  opened_at: Date;
  closed_at: Date | null;
  closed_by: string | null;
  expected_minor: number | null;
  counted_minor: number | null;
  cash_in_minor: number | null;
  cash_out_minor: number | null;
  reason: string | null;
};

const shiftColumns = `lot_id, shift_id, attendant, float_minor::float8 as float_minor, currency, opened_at, closed_at, closed_by,
  expected_minor::float8 as expected_minor, counted_minor::float8 as counted_minor, cash_in_minor::float8 as cash_in_minor,
  cash_out_minor::float8 as cash_out_minor, reason`;

/** Null when the lot already has an open shift (the partial unique index). */
export async function insertShift(db: Queryable, s: { lotId: number; attendant: string; floatMinor: number; currency: string; at: Date }): Promise<ShiftRow | null> {
  const { rows } = await db.query<ShiftRow>(
    `insert into shifts (lot_id, attendant, float_minor, currency, opened_at) values ($1, $2, $3, $4, $5)
     on conflict (lot_id) where closed_at is null do nothing
     returning ${shiftColumns}`,
    [s.lotId, s.attendant, s.floatMinor, s.currency, s.at],
  );
  return rows[0] ?? null;
}

export async function selectOpenShift(db: Queryable, lotId: number, opts: { forUpdate?: boolean } = {}): Promise<ShiftRow | null> {
  const { rows } = await db.query<ShiftRow>(
    `select ${shiftColumns} from shifts where lot_id = $1 and closed_at is null${opts.forUpdate ? ' for update' : ''}`, [lotId]);
  return rows[0] ?? null;
}

export async function selectShift(db: Queryable, lotId: number, shiftId: string): Promise<ShiftRow | null> {
  const { rows } = await db.query<ShiftRow>(`select ${shiftColumns} from shifts where lot_id = $1 and shift_id = $2`, [lotId, shiftId]);
  return rows[0] ?? null;
}

export async function selectShifts(db: Queryable, lotId: number, limit: number): Promise<ShiftRow[]> {
  const { rows } = await db.query<ShiftRow>(
    `select ${shiftColumns} from shifts where lot_id = $1 order by opened_at desc limit $2`, [lotId, limit]);
  return rows;
}

export async function countShifts(db: Queryable, lotId: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`select count(*)::integer as n from shifts where lot_id = $1`, [lotId]);
  return rows[0]!.n;
}

export async function closeShiftRow(
  db: Queryable,
  s: { lotId: number; shiftId: string; at: Date; by: string; expectedMinor: number; countedMinor: number; cashInMinor: number; cashOutMinor: number; reason: string | null },
): Promise<ShiftRow> {
  const { rows } = await db.query<ShiftRow>(
    `update shifts set closed_at = $3, closed_by = $4, expected_minor = $5, counted_minor = $6, cash_in_minor = $7, cash_out_minor = $8, reason = $9
     where lot_id = $1 and shift_id = $2 and closed_at is null returning ${shiftColumns}`,
    [s.lotId, s.shiftId, s.at, s.by, s.expectedMinor, s.countedMinor, s.cashInMinor, s.cashOutMinor, s.reason],
  );
  return rows[0]!;
}

export type DrawerLine = {
  /** 'payment' (cash in) or 'refund' (cash handed back) */
  direction: 'in' | 'out';
  purpose: string;
  payment_id: string;
  reservation_id: string | null;
  visit_id: string | null;
  amount_minor: number;
  at: Date;
};

/**
 * Cash that went through the drawer in [from, to): cash payments that succeeded (by when they were
 * taken) and cash refunds handed back (by when they were handed over: the hand-back event, or the
 * row's time when it was paid out as it was made). Refunds still due are not in the drawer.
 */
export async function selectDrawerLines(db: Queryable, lotId: number, currency: string, from: Date, to: Date): Promise<DrawerLine[]> {
  const { rows } = await db.query<DrawerLine>(
    `select case when p.purpose = 'refund' then 'out' else 'in' end as direction, p.purpose, p.payment_id, p.reservation_id, p.visit_id,
            p.amount_minor::float8 as amount_minor, coalesce(h.occurred_at, p.created_at) as at
       from payments p
       left join lateral (
         select e.occurred_at from events e
          where e.lot_id = p.lot_id and e.kind = 'payment.refund_handed_back' and e.detail->>'payment_id' = p.payment_id::text
          order by e.occurred_at limit 1) h on p.purpose = 'refund'
      where p.lot_id = $1 and p.provider = 'cash' and p.currency = $2 and p.status = 'succeeded' and p.amount_minor <> 0
        and coalesce(h.occurred_at, p.created_at) >= $3 and coalesce(h.occurred_at, p.created_at) < $4
      order by at, p.payment_id`,
    [lotId, currency, from, to],
  );
  return rows;
}
