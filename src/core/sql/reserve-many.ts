// SQL of group commit: many parkctl_reserve calls in one statement (parkctl_reserve_many, migrations/0045:
// the batch books what it can set-based, the rest through parkctl_reserve one at a time).
import type { Queryable } from '../ports.js';
import type { ReserveRow } from './reservations.js';

/**
 * Who answered an element: the batch's set-based part, parkctl_reserve alone (a case the batch leaves to it),
 * or parkctl_reserve alone because the batch's part failed and was rolled back (every element of that batch).
 */
export type ReserveManyVia = 'batch' | 'alone' | 'fallback';

/** One element's answer: a row, no spot free (null), or the error it raised (rolled back alone). */
export type ReserveManyResult = ({ row: ReserveRow | null } | { error: { code: string; constraint: string | null; message: string } }) & { via: ReserveManyVia };

interface ManyRow {
  i: number;
  reservation_id: string | null;
  spot_id: number | null;
  label: string | null;
  status: ReserveRow['status'] | null;
  hold_expires_at: Date | null;
  price_minor: number | null;
  created: boolean | null;
  error_code: string | null;
  error_constraint: string | null;
  error_message: string | null;
  via: ReserveManyVia;
}

/** `calls` are parkctl_reserve's 13 parameters each (as callReserve passes them). */
export async function callReserveMany(db: Queryable, calls: readonly (readonly unknown[])[]): Promise<ReserveManyResult[]> {
  const column = (n: number) => calls.map((c) => c[n] ?? null);
  const { rows } = await db.query<ManyRow & Record<string, unknown>>({
    name: 'parkctl_reserve_many',
    text: `select * from parkctl_reserve_many($1::integer[], $2::vehicle_type[], $3::timestamptz[], $4::timestamptz[], $5::text[], $6::text[],
       $7::bigint[], $8::char(3)[], $9::timestamptz[], $10::timestamptz[], $11::text[], $12::integer[], $13::text[])`,
    values: Array.from({ length: 13 }, (_, n) => column(n)),
  });
  const results: (ReserveManyResult | undefined)[] = calls.map(() => undefined);
  for (const r of rows) {
    results[r.i - 1] = r.error_code
      ? { error: { code: r.error_code, constraint: r.error_constraint, message: r.error_message ?? r.error_code }, via: r.via }
      : r.reservation_id
        ? { row: { reservation_id: r.reservation_id, spot_id: r.spot_id!, label: r.label!, status: r.status!, hold_expires_at: r.hold_expires_at, price_minor: r.price_minor!, created: r.created! }, via: r.via }
        : { row: null, via: r.via };
  }
  // every element has exactly one row; a missing one would be read as "no spot free" and refuse a paying customer
  if (results.some((r) => r === undefined)) throw new Error(`parkctl_reserve_many answered ${rows.length} of ${calls.length} elements`);
  return results as ReserveManyResult[];
}
