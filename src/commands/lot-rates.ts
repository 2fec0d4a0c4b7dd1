// `parkctl lot rates CODE [--set FILE]`: a lot's pricing rules and settings, and replacing them from a file.
// --json prints the `pricing:` section as a lot file holds it, so `--json` output fed back to `--set`
// changes nothing.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { yamlModule } from './lazy-modules.js';
import { lotChanged } from '../core/changes.js';
import { UsageError, describeReadError } from '../core/errors.js';
import { loadLot, type Lot } from '../core/lots/lot.js';
import { policyToSettingsJson, type PricingPolicy, type PricingRule, type PricingSettingsJson } from '../core/pricing/index.js';
import { replaceLotRates } from '../core/lots/rates.js';
import { formatMinorAmount } from '../core/money-format.js';
import type { Run } from './index.js';
import { renderFields, renderTable } from './output.js';

const dayNames = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

function daysText(days: readonly number[]): string | string[] {
  const key = days.join(',');
  if (key === '1,2,3,4,5,6,7') return 'all';
  if (key === '1,2,3,4,5') return 'weekdays';
  if (key === '6,7') return 'weekend';
  return days.map((d) => dayNames[d - 1]!);
}

function hhmm(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

/** One rule in the lot file's words (the inverse of parsePricing for one rate). */
export function rateToFile(rule: PricingRule): Record<string, unknown> {
  return {
    ...(rule.vehicleType ? { type: rule.vehicleType } : {}),
    days: daysText(rule.days),
    from: hhmm(rule.fromMinute),
    to: hhmm(rule.toMinute),
    rate_per_hour_minor: rule.ratePerHourMinor,
    priority: rule.priority,
    ...(rule.validFrom ? { valid_from: rule.validFrom.toISOString() } : {}),
    ...(rule.validUntil ? { valid_until: rule.validUntil.toISOString() } : {}),
  };
}

export function pricingToFile(policy: PricingPolicy): PricingSettingsJson & { rates: Record<string, unknown>[] } {
  return { rates: [...policy.rules].sort((a, b) => a.ruleId - b.ruleId).map(rateToFile), ...policyToSettingsJson(policy) };
}

export interface LotRatesReport {
  lot: string;
  timeZone: string;
  currency: string;
  /** the `pricing:` section of a lot file */
  pricing: ReturnType<typeof pricingToFile>;
}

export function renderRates(r: LotRatesReport, policy: PricingPolicy): string {
  const money = (minor: number) => formatMinorAmount(minor, r.currency);
  const rules = renderTable([...policy.rules].sort((a, b) => a.ruleId - b.ruleId), [
    { header: 'rule', value: (x) => x.ruleId, align: 'right' },
    { header: 'type', value: (x) => x.vehicleType ?? 'all' },
    { header: 'days', value: (x) => [daysText(x.days)].flat().join(',') },
    { header: 'from', value: (x) => hhmm(x.fromMinute) },
    { header: 'to', value: (x) => hhmm(x.toMinute) },
    { header: 'rate/h', value: (x) => money(x.ratePerHourMinor), align: 'right' },
    { header: 'priority', value: (x) => x.priority, align: 'right' },
    { header: 'valid', value: (x) => (x.validFrom || x.validUntil ? `${x.validFrom?.toISOString() ?? '...'} -> ${x.validUntil?.toISOString() ?? '...'}` : 'always') },
  ]);
  const byType = Object.entries(policy.dailyMaxMinor.byType).map(([t, v]) => `${t} ${money(v)}`);
  const dailyMax = policy.dailyMaxMinor.defaultMinor === null && byType.length === 0 ? 'none'
    : [policy.dailyMaxMinor.defaultMinor === null ? null : `${byType.length > 0 ? 'default ' : ''}${money(policy.dailyMaxMinor.defaultMinor)}`, ...byType].filter(Boolean).join(', ');
  return [
    `${r.lot}: prices in ${r.currency}, rules in ${r.timeZone} local time (higher priority wins, then the more specific rule)`,
    '',
    rules,
    '',
    renderFields([
      ['daily max', dailyMax],
      ['free minutes', policy.freeMinutes],
      ['tax', `${policy.taxRateBp / 100} %`],
      ['surcharges', policy.surcharges.length === 0 ? 'none' : policy.surcharges.map((b) => `+${b.addPercent} % above ${b.aboveOccupancyPercent} % occupancy`).join('; ')],
    ]),
  ].join('\n');
}

/** A YAML/JSON file holding a `pricing:` section (a whole lot file, or `lot rates --json` output) or the section itself. */
export async function readPricingFile(path: string): Promise<PricingPolicy> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${describeReadError(err)}`, { hint: 'give the path of a YAML or JSON file with a pricing section', code: 'bad_rates_file' });
  }
  let data: unknown;
  try {
    data = yamlModule().parse(text, { uniqueKeys: true });
  } catch (err) {
    throw new UsageError(`${path} is not valid YAML or JSON: ${String((err as Error).message).split('\n')[0]}`, { hint: 'check the line it names', code: 'bad_rates_file' });
  }
  const section = data !== null && typeof data === 'object' && 'pricing' in data ? (data as { pricing: unknown }).pricing : data;
  // the pricing section's checks (zod) load only for a file (issue 13)
  const { parsePricing } = await import('../core/pricing/schema.js');
  return parsePricing(section);
}

function report(lot: Lot, policy: PricingPolicy): LotRatesReport {
  return { lot: lot.code, timeZone: lot.timeZone, currency: lot.currency, pricing: pricingToFile(policy) };
}

export function registerLotRates(lot: Command, run: Run): void {
  lot.command('rates <code>')
    .description("a lot's pricing rules and settings; --set FILE replaces them (YAML or JSON with a pricing: section)")
    .option('--set <file>', 'replace the rules and settings from this file, in one transaction')
    .action((code: string, o: { set?: string }, cmd: Command) => run(async (ctx) => {
      const pool = await ctx.pool();
      const current = await loadLot(pool, code);
      if (!o.set) {
        ctx.out.result(report(current, current.pricing), (r) => renderRates(r, current.pricing));
        return;
      }
      const policy = await readPricingFile(o.set); // a bad file fails here, before anything is written
      await replaceLotRates(pool, current, policy, {
        actor: ctx.actor, now: ctx.clock.now(),
        detail: { file: o.set, rules: policy.rules.length, previous: pricingToFile(current.pricing), pricing: pricingToFile(policy) },
      });
      await lotChanged(await ctx.changeDeps(), current.lotId);
      const after = await loadLot(pool, current.code);
      ctx.out.result(report(after, after.pricing), (r) => `${r.lot}: rates replaced from ${o.set} (${after.pricing.rules.length} rules)\n\n${renderRates(r, after.pricing)}`);
    }, cmd));
}
