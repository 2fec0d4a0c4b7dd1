import { withTransaction } from '../db.js';
import { importEvChargers } from '../ev/chargers.js';
import type { PoolLike } from '../ports.js';
import { parsePricing } from '../pricing/schema.js';
import { replacePricing } from '../sql/pricing.js';
import { analyzeLotTables, insertLotEvent, lockLotCode, selectLotByCode, upsertLot, upsertSpots, upsertZones } from '../sql/lots.js';
import type { LotDefinition } from './lot-file.js';
import { bindSensors, setSensorConfig, setZoneRoutes } from '../sql/sensors.js';

export interface ImportResult {
  lotId: number;
  code: string;
  /** false when the same file was imported before: nothing was written */
  changed: boolean;
  created: boolean;
  spots: number;
  added: number;
  updated: number;
  retired: number;
}

/** Import a lot definition in one transaction. Re-importing the same file writes nothing. */
export async function importLot(pool: PoolLike, def: LotDefinition, actor: string): Promise<ImportResult> {
  const pricing = parsePricing(def.pricing); // a bad pricing section fails before anything is written
  const result = await withTransaction(pool, async (tx): Promise<ImportResult> => {
    await lockLotCode(tx, def.code);
    const existing = await selectLotByCode(tx, def.code);
    const base = { code: def.code, spots: def.spots.length };
    if (existing && existing.source_digest === def.digest) {
      return { ...base, lotId: existing.lot_id, changed: false, created: false, added: 0, updated: 0, retired: 0 };
    }
    const lotId = await upsertLot(tx, def);
    const zoneIds = await upsertZones(tx, lotId, def.zones);
    const counts = await upsertSpots(tx, lotId, def.spots.map((s) => ({ label: s.label, zoneId: zoneIds.get(s.zoneCode)!, vehicleType: s.vehicleType })));
    await replacePricing(tx, lotId, pricing);
    if (def.evChargers) await importEvChargers(tx, lotId, def.evChargers, new Date());
    await setZoneRoutes(tx, lotId, def.zones);
    if (def.sensors) {
      await setSensorConfig(tx, lotId, def.sensors.config);
      const { moved } = await bindSensors(tx, lotId, def.sensors.bindings, actor, new Date());
      // a sensor the file binds here left its spot in another lot (one device, one lot): that lot's audit says so
      for (const m of moved) {
        await insertLotEvent(tx, { lotId: m.lot_id, kind: 'sensor.unbound', actor, detail: { spot_label: m.spot_label, sensor_id: m.sensor_id, moved_to: def.code }, occurredAt: new Date() });
      }
    }
    await insertLotEvent(tx, { lotId, kind: 'lot.imported', actor, detail: { digest: def.digest, ...counts }, occurredAt: new Date() });
    return { ...base, lotId, changed: true, created: !existing, added: counts.added, updated: counts.changed, retired: counts.retired };
  });
  // A lot of fewer than 50 spots never reaches autovacuum's analyze threshold: without statistics the
  // planner took the wrong index in the allocator's statements (about 50 ms more per booking, measured
  // on fixtures/surface-lot.yaml). What import changed is analysed at once.
  if (result.changed) await analyzeLotTables(pool);
  return result;
}
