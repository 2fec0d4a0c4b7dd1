// SQL of a lot's pricing: rate bands in `pricing_rules`, everything else (daily maximum, free minutes, tax,
// surcharge bands) in `lots.pricing` (jsonb, the lot file's snake_case keys minus `rates`).
import { NotFoundError } from '../errors.js';
import type { Queryable } from '../ports.js';
import type { IsoWeekday, PricingPolicy, PricingRule } from '../pricing/policy.js';
import { policyToSettingsJson, readPricingSettings, settingsToPolicy } from '../pricing/settings.js';
import type { VehicleType } from '../pricing/vehicle-types.js';

export interface PricingRuleRow {
  lot_id: number;
  /** position in the lot file, 1-based; last tie-breaker between equal rules */
  rule_id: number;
  /** null: every vehicle type */
  vehicle_type: VehicleType | null;
  /** ISO weekdays, 1 = Monday, in the lot's time zone */
  days: number[];
  /** minutes after local midnight, [from, to); from > to runs across midnight */
  from_minute: number;
  to_minute: number;
  /** bigint: pg returns it as a string */
  rate_per_hour_minor: string;
  priority: number;
  valid_from: Date | null;
  valid_until: Date | null;
}

const ruleColumns = `lot_id, rule_id, vehicle_type, days, from_minute, to_minute, rate_per_hour_minor, priority, valid_from, valid_until`;

export function ruleFromRow(row: PricingRuleRow): PricingRule {
  const rate = Number(row.rate_per_hour_minor);
  if (!Number.isSafeInteger(rate)) throw new RangeError(`pricing rule ${row.lot_id}/${row.rule_id}: rate ${row.rate_per_hour_minor} is not a safe integer`);
  return {
    ruleId: row.rule_id,
    vehicleType: row.vehicle_type,
    days: row.days.map((day) => Number(day) as IsoWeekday),
    fromMinute: row.from_minute,
    toMinute: row.to_minute,
    ratePerHourMinor: rate,
    priority: row.priority,
    validFrom: row.valid_from,
    validUntil: row.valid_until,
  };
}

export async function selectPricingRules(db: Queryable, lotId: number): Promise<PricingRuleRow[]> {
  const { rows } = await db.query<PricingRuleRow & Record<string, unknown>>(
    `select ${ruleColumns} from pricing_rules where lot_id = $1::integer order by rule_id`,
    [lotId],
  );
  return rows;
}

/** The lot's pricing policy; NotFoundError when the lot does not exist, UsageError when lots.pricing is malformed. */
export async function loadPricing(db: Queryable, lotId: number): Promise<PricingPolicy> {
  const { rows } = await db.query<{ pricing: Record<string, unknown> }>(`select pricing from lots where lot_id = $1::integer`, [lotId]);
  const lot = rows[0];
  if (!lot) throw new NotFoundError(`lot ${lotId} does not exist`);
  return pricingFromStored(lot.pricing, await selectPricingRules(db, lotId));
}

/** The policy from what is stored: `lots.pricing` and the lot's `pricing_rules` rows (UsageError when malformed). */
export function pricingFromStored(pricing: Record<string, unknown>, ruleRows: PricingRuleRow[]): PricingPolicy {
  // Tolerate a whole lot-file section stored by hand: rates live in pricing_rules, not here.
  const { rates: _rates, ...settingsJson } = pricing;
  const settings = readPricingSettings(settingsJson, 'lots.pricing');
  return settingsToPolicy(settings, ruleRows.map(ruleFromRow));
}

/**
 * A lot's pricing rules as one json value, for a statement that reads them beside other things in one
 * round trip (sql/lots.ts selectLotDetail); rulesFromJson turns them back into rows.
 */
export const pricingRulesJson = (lot: string) => `coalesce((select json_agg(json_build_object(
    'lot_id', r.lot_id, 'rule_id', r.rule_id, 'vehicle_type', r.vehicle_type, 'days', r.days, 'from_minute', r.from_minute,
    'to_minute', r.to_minute, 'rate_per_hour_minor', r.rate_per_hour_minor::text, 'priority', r.priority,
    'valid_from', r.valid_from, 'valid_until', r.valid_until) order by r.rule_id)
  from pricing_rules r where r.lot_id = ${lot}), '[]'::json)`;

type RuleJson = Omit<PricingRuleRow, 'valid_from' | 'valid_until'> & { valid_from: string | null; valid_until: string | null };

export function rulesFromJson(rules: RuleJson[]): PricingRuleRow[] {
  return rules.map((r) => ({
    ...r,
    valid_from: r.valid_from === null ? null : new Date(r.valid_from),
    valid_until: r.valid_until === null ? null : new Date(r.valid_until),
  }));
}

/** Replaces the lot's rules and settings. Three statements: the caller wraps them in one transaction. */
export async function replacePricing(db: Queryable, lotId: number, policy: PricingPolicy): Promise<void> {
  const updated = await db.query(
    `update lots set pricing = $2::jsonb, updated_at = now() where lot_id = $1::integer`,
    [lotId, JSON.stringify(policyToSettingsJson(policy))],
  );
  if (!updated.rowCount) throw new NotFoundError(`lot ${lotId} does not exist`);
  await db.query(`delete from pricing_rules where lot_id = $1::integer`, [lotId]);
  if (policy.rules.length === 0) return;
  const rules = policy.rules;
  // One insert for all rules: parallel arrays unnested together. days travel as '{1,2,3}' text because
  // unnest flattens a two-dimensional array.
  await db.query(
    `insert into pricing_rules (${ruleColumns})
     select $1::integer, r.rule_id, r.vehicle_type, r.days::smallint[], r.from_minute, r.to_minute,
            r.rate_per_hour_minor, r.priority, r.valid_from, r.valid_until
       from unnest($2::integer[], $3::vehicle_type[], $4::text[], $5::integer[], $6::integer[], $7::bigint[],
                   $8::integer[], $9::timestamptz[], $10::timestamptz[])
         as r(rule_id, vehicle_type, days, from_minute, to_minute, rate_per_hour_minor, priority, valid_from, valid_until)`,
    [
      lotId,
      rules.map((rule) => rule.ruleId),
      rules.map((rule) => rule.vehicleType),
      rules.map((rule) => `{${rule.days.join(',')}}`),
      rules.map((rule) => rule.fromMinute),
      rules.map((rule) => rule.toMinute),
      rules.map((rule) => rule.ratePerHourMinor),
      rules.map((rule) => rule.priority),
      rules.map((rule) => rule.validFrom?.toISOString() ?? null),
      rules.map((rule) => rule.validUntil?.toISOString() ?? null),
    ],
  );
}
