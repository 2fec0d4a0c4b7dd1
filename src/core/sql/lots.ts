// SQL of the lot aggregate: lots, zones, spots.
import type { Queryable } from '../ports.js';
import type { LotDefinition } from '../lots/lot-file.js';
import type { VehicleType } from '../pricing/vehicle-types.js';
import { pricingRulesJson, rulesFromJson, type PricingRuleRow } from './pricing.js';

export interface LotRow {
  lot_id: number;
  code: string;
  name: string;
  time_zone: string;
  /** ISO 4217 */
  currency: string;
  hold_minutes: number;
  no_show_grace_minutes: number;
  early_entry_grace_minutes: number;
  max_window_minutes: number;
  overstay_slot_minutes: number;
  state: 'open' | 'full' | 'closed' | 'closed_to_all';
  policy: Record<string, unknown>;
  source_digest: string | null;
}

const lotColumns = `lot_id, code, name, time_zone, currency, hold_minutes, no_show_grace_minutes,
  early_entry_grace_minutes, max_window_minutes, overstay_slot_minutes, state, policy, source_digest`;

export async function selectLotByCode(db: Queryable, code: string): Promise<LotRow | null> {
  const { rows } = await db.query<LotRow & Record<string, unknown>>(`select ${lotColumns} from lots where code = $1::text`, [code.toUpperCase()]);
  return rows[0] ?? null;
}

/** A lot by code with its stored pricing settings (`lots.pricing`): the first of loadLot's two round trips. */
export async function selectLotByCodeWithPricing(db: Queryable, code: string): Promise<(LotRow & { pricing: Record<string, unknown> }) | null> {
  const { rows } = await db.query<LotRow & { pricing: Record<string, unknown> } & Record<string, unknown>>(`select ${lotColumns}, pricing from lots where code = $1::text`, [code.toUpperCase()]);
  return rows[0] ?? null;
}

export async function selectLots(db: Queryable): Promise<LotRow[]> {
  const { rows } = await db.query<LotRow & Record<string, unknown>>(`select ${lotColumns} from lots order by code`);
  return rows;
}

export async function lockLotCode(db: Queryable, code: string): Promise<void> {
  await db.query(`select pg_advisory_xact_lock(hashtext('parkctl.lot:' || $1::text))`, [code]);
}

/** Insert or update the lot's own row; returns its id. */
export async function upsertLot(db: Queryable, def: LotDefinition): Promise<number> {
  const { rows } = await db.query<{ lot_id: number }>(
    `insert into lots (code, name, time_zone, currency, hold_minutes, no_show_grace_minutes, early_entry_grace_minutes,
                       max_window_minutes, overstay_slot_minutes, policy, source_digest, location, updated_at)
     values ($1::text, $2::text, $3::text, $4::text, $5::integer, $6::integer, $7::integer, $8::integer, $9::integer, $10::jsonb, $11::text, $12::jsonb, now())
     on conflict (code) do update set
       name = excluded.name, time_zone = excluded.time_zone, currency = excluded.currency,
       hold_minutes = excluded.hold_minutes, no_show_grace_minutes = excluded.no_show_grace_minutes,
       early_entry_grace_minutes = excluded.early_entry_grace_minutes, max_window_minutes = excluded.max_window_minutes,
       overstay_slot_minutes = excluded.overstay_slot_minutes, policy = excluded.policy,
       source_digest = excluded.source_digest, location = excluded.location,
       -- the inserted row's now(), not now() here: Citus refuses non-IMMUTABLE functions in DO UPDATE SET
       updated_at = excluded.updated_at
     returning lot_id`,
    [def.code, def.name, def.timeZone, def.currency, def.holdMinutes, def.noShowGraceMinutes, def.earlyEntryGraceMinutes,
      def.maxWindowMinutes, def.overstaySlotMinutes, JSON.stringify(def.policy), def.digest, def.location ? JSON.stringify(def.location) : null],
  );
  return rows[0]!.lot_id;
}

/** Zones by code: existing codes keep their ids. Returns code -> zone_id. */
export async function upsertZones(db: Queryable, lotId: number, zones: LotDefinition['zones']): Promise<Map<string, number>> {
  const { rows } = await db.query<{ zone_id: number; code: string }>(
    `with input as (
       select z.code, z.name, z.floor, z.ord from unnest($2::text[], $3::text[], $4::integer[]) with ordinality as z(code, name, floor, ord)
     ), numbered as (
       select i.*, coalesce(existing.zone_id,
              (select coalesce(max(zone_id), 0) from zones where lot_id = $1::integer)
              + row_number() over (partition by existing.zone_id is null order by i.ord)) as zone_id
         from input i left join zones existing on existing.lot_id = $1::integer and existing.code = i.code
     )
     insert into zones (lot_id, zone_id, floor, code, name)
     select $1::integer, zone_id, floor, code, name from numbered
     on conflict (lot_id, zone_id) do update set floor = excluded.floor, name = excluded.name
     returning zone_id, code`,
    [lotId, zones.map((z) => z.code), zones.map((z) => z.name), zones.map((z) => z.floor)],
  );
  return new Map(rows.map((r) => [r.code, r.zone_id]));
}

/**
 * Spots by label: existing labels keep their ids (reservations point at them), new labels are numbered
 * after the highest id, labels gone from the file are taken out of service (never deleted: history).
 * Returns counts of what changed.
 */
export async function upsertSpots(
  db: Queryable,
  lotId: number,
  spots: { label: string; zoneId: number; vehicleType: VehicleType }[],
): Promise<{ added: number; changed: number; retired: number }> {
  const { rows } = await db.query<{ added: number; changed: number }>(
    `with input as (
       select s.label, s.zone_id, s.vehicle_type::vehicle_type as vehicle_type, s.ord
         from unnest($2::text[], $3::integer[], $4::text[]) with ordinality as s(label, zone_id, vehicle_type, ord)
     ), numbered as (
       select i.*, existing.spot_id as old_id,
              (existing.zone_id, existing.vehicle_type, existing.status) is distinct from (i.zone_id, i.vehicle_type, 'active'::spot_status) as differs,
              coalesce(existing.spot_id,
                (select coalesce(max(spot_id), 0) from spots where lot_id = $1::integer)
                + row_number() over (partition by existing.spot_id is null order by i.ord)) as spot_id
         from input i left join spots existing on existing.lot_id = $1::integer and existing.label = i.label
     ), written as (
       insert into spots (lot_id, spot_id, zone_id, label, vehicle_type, rank, status)
       select $1::integer, spot_id, zone_id, label, vehicle_type, ord, 'active' from numbered where old_id is null or differs
       on conflict (lot_id, spot_id) do update set zone_id = excluded.zone_id, vehicle_type = excluded.vehicle_type, status = 'active'
       returning spot_id
     )
     select (select count(*) from numbered where old_id is null)::integer as added,
            (select count(*) from numbered where old_id is not null and differs)::integer as changed`,
    [lotId, spots.map((s) => s.label), spots.map((s) => s.zoneId), spots.map((s) => s.vehicleType)],
  );
  const { rowCount: retired } = await db.query(
    `update spots set status = 'maintenance' where lot_id = $1::integer and status = 'active' and not (label = any ($2::text[]))`,
    [lotId, spots.map((s) => s.label)],
  );
  // Days already materialised for allocation get rows for new spots, and follow type changes.
  await db.query(
    `insert into spot_days (lot_id, spot_id, day, vehicle_type)
     select s.lot_id, s.spot_id, d.day, s.vehicle_type from spots s join lot_days d on d.lot_id = s.lot_id
      where s.lot_id = $1::integer
     on conflict (lot_id, day, spot_id) do update set vehicle_type = excluded.vehicle_type
       where spot_days.vehicle_type is distinct from excluded.vehicle_type`,
    [lotId],
  );
  return { added: rows[0]!.added, changed: rows[0]!.changed, retired: retired ?? 0 };
}

export interface SpotTypeRange {
  vehicle_type: VehicleType;
  /** active spots of this type */
  count: number;
  min_spot_id: number;
  max_spot_id: number;
}

/**
 * SQL: spot `s` is the one a typed label names: its exact label, else the only spot whose label matches
 * ignoring case (`l0-c-031` finds `L0-C-031`). Labels are unique per lot as written, so of two spots
 * differing only in case, each is found by its exact label and neither by another spelling.
 */
export function spotNamedBy(s: string, lot: string, label: string): string {
  return `${s}.lot_id = ${lot} and upper(${s}.label) = upper(${label})
    and (${s}.label = ${label} or not exists (select 1 from spots o where o.lot_id = ${lot} and upper(o.label) = upper(${label}) and o.spot_id <> ${s}.spot_id))`;
}

/** A spot by the label people type (see spotNamedBy). */
export async function selectSpotByLabel(db: Queryable, lotId: number, label: string): Promise<{ spot_id: number; label: string; vehicle_type: VehicleType } | null> {
  const { rows } = await db.query<{ spot_id: number; label: string; vehicle_type: VehicleType }>(
    `select s.spot_id, s.label, s.vehicle_type::text as vehicle_type from spots s where ${spotNamedBy('s', '$1::integer', '$2::text')}`,
    [lotId, label],
  );
  return rows[0] ?? null;
}

/**
 * What loadLot needs beside the lot's row, in one round trip (issue 13: a one-shot command pays for each):
 * its pricing rules and where each vehicle type's active spots lie. Both tables are filtered by the one
 * lot_id, so on Citus this is a single-shard statement.
 */
export async function selectLotDetail(db: Queryable, lotId: number): Promise<{ rules: PricingRuleRow[]; ranges: SpotTypeRange[] }> {
  const { rows: [row] } = await db.query<{ rules: Parameters<typeof rulesFromJson>[0]; ranges: SpotTypeRange[] }>(
    `select ${pricingRulesJson('$1::integer')} as rules,
            coalesce((select json_agg(json_build_object('vehicle_type', t.vehicle_type, 'count', t.count, 'min_spot_id', t.min_spot_id,
                                                        'max_spot_id', t.max_spot_id) order by t.vehicle_type)
                        from (select vehicle_type, count(*)::integer as count, min(spot_id) as min_spot_id, max(spot_id) as max_spot_id
                                from spots where lot_id = $1::integer and status = 'active' group by vehicle_type) t), '[]'::json) as ranges`,
    [lotId],
  );
  return { rules: rulesFromJson(row?.rules ?? []), ranges: row?.ranges ?? [] };
}

/** Fresh planner statistics for the tables a lot import writes (import-lot.ts says why). */
export async function analyzeLotTables(db: Queryable): Promise<void> {
  await db.query(`analyze lots, zones, spots, pricing_rules`);
}

/** An audit row about the lot itself (imports, rate changes). */
export async function insertLotEvent(
  db: Queryable,
  e: { lotId: number; kind: string; actor: string; detail: unknown; occurredAt: Date },
): Promise<void> {
  await db.query(
    `insert into events (lot_id, kind, actor, detail, occurred_at) values ($1::integer, $2::text, $3::text, $4::jsonb, $5::timestamptz)`,
    [e.lotId, e.kind, e.actor, JSON.stringify(e.detail), e.occurredAt],
  );
}

/** The lot no longer matches its file: re-importing the file must apply it again, not skip it as unchanged. */
export async function forgetLotFileDigest(db: Queryable, lotId: number): Promise<void> {
  await db.query(`update lots set source_digest = null where lot_id = $1::integer`, [lotId]);
}
