// A lot's code from its id (the API checks a key's lots for rows that carry only lot_id).
import type { Queryable } from '../ports.js';

export async function selectLotCode(db: Queryable, lotId: number): Promise<string | null> {
  const { rows } = await db.query<{ code: string }>(`select code from lots where lot_id = $1::integer`, [lotId]);
  return rows[0]?.code ?? null;
}
