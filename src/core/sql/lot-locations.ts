// Where lots are (lots.location, migrations/0019), for the API's `?near=lat,lon`.
import type { Queryable } from '../ports.js';
import type { LotLocation } from '../lots/lot-file.js';

export async function selectLotLocations(db: Queryable): Promise<Map<number, LotLocation>> {
  const { rows } = await db.query<{ lot_id: number; location: LotLocation }>(`select lot_id, location from lots where location is not null`);
  return new Map(rows.map((r) => [r.lot_id, r.location]));
}
