// `parkctl price quote`: what a window costs and why, step by step as quoteWindow prices it (segments per
// local day and rate, daily maximum, free minutes, occupancy surcharge at the live occupancy, tax).
import type { Command } from 'commander';
import { countCapacity, occupancyRatio } from '../core/capacity.js';
import type { Lot } from '../core/lots/lot.js';
import type { CapacityCache, Clock, Queryable } from '../core/ports.js';
import { dailyMaxFor, quoteWindow, type VehicleType } from '../core/pricing/index.js';
import { formatMinorAmount } from '../core/money-format.js';
import type { Run } from './index.js';
import { readWindow, withWindowOptions, type WindowOptions } from './window-options.js';
import { formatTime, renderFields, renderTable } from './output.js';

export interface PriceQuoteReport {
  lot: string;
  vehicleType: VehicleType;
  timeZone: string;
  currency: string;
  start: string;
  end: string;
  /** spots of the type busy over the window / all of them: what the surcharge is chosen by */
  occupancy: { free: number; total: number; percent: number; source: 'cache' | 'database' };
  segments: { localDate: string; from: string; to: string; localFrom: string; localTo: string; minutes: number; ratePerHourMinor: number; ruleId: number; amountMinor: number }[];
  days: { localDate: string; amountMinor: number; chargedMinor: number; capApplied: boolean }[];
  /** the type's daily maximum, null when none */
  dailyMaxMinor: number | null;
  capApplied: boolean;
  freeMinutes: number;
  freeMinutesApplied: boolean;
  subtotalMinor: number;
  surchargePercent: number;
  surchargeMinor: number;
  taxRateBp: number;
  taxMinor: number;
  totalMinor: number;
}

export async function collectQuote(
  deps: { db: Queryable; clock: Clock; cache?: CapacityCache | undefined },
  lot: Lot,
  vehicleType: VehicleType,
  start: Date,
  end: Date,
): Promise<PriceQuoteReport> {
  const counts = await countCapacity(deps, lot, vehicleType, start, end);
  const ratio = occupancyRatio(counts.free, counts.total);
  const q = quoteWindow(lot.pricing, { timeZone: lot.timeZone, vehicleType, start, end, occupancyRatio: ratio, lotCode: lot.code });
  return {
    lot: lot.code,
    vehicleType,
    timeZone: lot.timeZone,
    currency: lot.currency,
    start: start.toISOString(),
    end: end.toISOString(),
    occupancy: { free: counts.free, total: counts.total, percent: Math.round(ratio * 1000) / 10, source: counts.source },
    segments: q.segments.map((s) => ({
      localDate: s.localDate,
      from: s.from.toISOString(),
      to: s.to.toISOString(),
      localFrom: formatTime(s.from, lot.timeZone),
      localTo: formatTime(s.to, lot.timeZone),
      minutes: Math.round(s.minutes * 100) / 100,
      ratePerHourMinor: s.ratePerHourMinor,
      ruleId: s.ruleId,
      amountMinor: s.amountMinor,
    })),
    days: q.days,
    dailyMaxMinor: dailyMaxFor(lot.pricing, vehicleType),
    capApplied: q.capApplied,
    freeMinutes: lot.pricing.freeMinutes,
    freeMinutesApplied: q.freeMinutesApplied,
    subtotalMinor: q.subtotalMinor,
    surchargePercent: q.surchargePercent,
    surchargeMinor: q.surchargeMinor,
    taxRateBp: lot.pricing.taxRateBp,
    taxMinor: q.taxMinor,
    totalMinor: q.totalMinor,
  };
}

export function renderQuote(r: PriceQuoteReport): string {
  const money = (minor: number) => formatMinorAmount(minor, r.currency);
  const segments = renderTable(r.segments, [
    { header: 'from', value: (s) => s.localFrom },
    { header: 'to', value: (s) => s.localTo },
    { header: 'minutes', value: (s) => s.minutes, align: 'right' },
    { header: 'rate/h', value: (s) => money(s.ratePerHourMinor), align: 'right' },
    { header: 'rule', value: (s) => s.ruleId, align: 'right' },
    { header: 'amount', value: (s) => money(s.amountMinor), align: 'right' },
  ]);
  const days = renderTable(r.days, [
    { header: 'day', value: (d) => d.localDate },
    { header: 'base', value: (d) => money(d.amountMinor), align: 'right' },
    { header: 'charged', value: (d) => money(d.chargedMinor), align: 'right' },
    { header: 'daily max', value: (d) => (d.capApplied ? 'applied' : ''), align: 'left' },
  ]);
  const surchargeNote = r.surchargePercent > 0 ? `+${r.surchargePercent} % at ${r.occupancy.percent} % occupancy` : `none at ${r.occupancy.percent} % occupancy`;
  return [
    renderFields([
      ['lot', `${r.lot} (${r.timeZone}, ${r.currency})`],
      ['type', r.vehicleType],
      ['window', `${formatTime(new Date(r.start), r.timeZone)} -> ${formatTime(new Date(r.end), r.timeZone)}`],
      ['occupancy', `${r.occupancy.total - r.occupancy.free} of ${r.occupancy.total} busy (${r.occupancy.free} free)`],
    ]),
    '',
    segments,
    '',
    days,
    '',
    renderFields([
      ['daily max', r.dailyMaxMinor === null ? 'none' : `${money(r.dailyMaxMinor)}${r.capApplied ? ' (applied)' : ''}`],
      ['free minutes', r.freeMinutes === 0 ? 'none' : `${r.freeMinutes}${r.freeMinutesApplied ? ' (applied: this window is free)' : ''}`],
      ['subtotal', money(r.subtotalMinor)],
      ['surcharge', `${money(r.surchargeMinor)} (${surchargeNote})`],
      ['tax', `${money(r.taxMinor)} (${r.taxRateBp / 100} %)`],
      ['total', money(r.totalMinor)],
    ]),
  ].join('\n');
}

export function registerPrice(program: Command, run: Run): void {
  const price = program.command('price').description('prices: quote a window with its breakdown');

  withWindowOptions(price.command('quote')
    .description('the price of a window and how it is made: rates per segment, daily maximum, free minutes, surcharge, tax'))
    .action((o: WindowOptions, cmd: Command) => run(async (ctx) => {
      const { pool, lot, vehicleType, start, end } = await readWindow(ctx, o);
      const report = await collectQuote({ db: pool, clock: ctx.clock, cache: await ctx.cache() }, lot, vehicleType, start, end);
      ctx.out.result(report, renderQuote);
    }, cmd));
}
