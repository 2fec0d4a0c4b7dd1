// `parkctl bench price`: one 7-day quote over a lot with hourly bands (24 one-hour bands per weekday, 24
// others at the weekend, a typed night band, a daily maximum and surcharges), in Europe/London across the
// autumn DST change. Target: p99 <= 1 ms per quote.
import { loadavg } from 'node:os';
import { quoteWindow } from '../pricing/index.js';
import { parsePricing } from '../pricing/schema.js';

export interface PriceBenchResult {
  runs: number;
  segmentsPerQuote: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** CPU time per quote: what the wall-clock percentiles would be on an idle machine */
  meanCpuMs: number;
  coldFirstQuoteMs: number;
  /** other processes competing for the cores inflate p99 */
  loadAverage1m: number;
}

export function runPriceQuoteBench(runs = 10_000, warmup = 1_000): PriceBenchResult {
  const hh = (hour: number) => `${String(hour).padStart(2, '0')}:00`;
  const hourly = (days: string, base: number) =>
    Array.from({ length: 24 }, (_, hour) => ({ days, from: hh(hour), to: hour === 23 ? '24:00' : hh(hour + 1), rate_per_hour_minor: base + hour * 10 }));

  const policy = parsePricing({
    rates: [
      ...hourly('weekdays', 200),
      ...hourly('weekend', 150),
      { type: 'regular', days: ['fri', 'sat'], from: '22:00', to: '06:00', rate_per_hour_minor: 120, priority: 5 },
    ],
    daily_max_minor: { default: 6000, motorcycle: 2000 },
    free_minutes: 10,
    tax_rate_bp: 2000,
    surcharges: [{ above_occupancy_percent: 80, add_percent: 20 }, { above_occupancy_percent: 90, add_percent: 50 }],
  });

  const weekMs = 7 * 86_400_000;
  /** Monday 2025-10-20 09:17 UTC; each run shifts the start by up to a day so windows differ. */
  const baseStartMs = Date.UTC(2025, 9, 20, 9, 17);

  function quoteOnce(i: number): number {
    const start = new Date(baseStartMs + ((i * 7_919_000) % 86_400_000));
    const q = quoteWindow(policy, { timeZone: 'Europe/London', vehicleType: 'regular', start, end: new Date(start.getTime() + weekMs), occupancyRatio: 0.85 });
    return q.totalMinor;
  }

  /** the first quote pays for loading the zone and memoising its offsets (ZoneClock) */
  const coldStart = performance.now();
  let checksum = quoteOnce(0);
  const coldFirstQuoteMs = performance.now() - coldStart;
  for (let i = 0; i < warmup; i++) checksum += quoteOnce(i);
  const cpuBefore = process.cpuUsage();
  const samplesMs = new Float64Array(runs);
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    checksum += quoteOnce(i);
    samplesMs[i] = performance.now() - t0;
  }
  const cpu = process.cpuUsage(cpuBefore);
  samplesMs.sort();
  const pct = (p: number) => samplesMs[Math.min(runs - 1, Math.floor((p / 100) * runs))]!;
  const segments = quoteWindow(policy, { timeZone: 'Europe/London', vehicleType: 'regular', start: new Date(baseStartMs), end: new Date(baseStartMs + weekMs) }).segments.length;
  void checksum;
  return {
    runs,
    segmentsPerQuote: segments,
    p50Ms: Number(pct(50).toFixed(4)),
    p99Ms: Number(pct(99).toFixed(4)),
    maxMs: Number(samplesMs[runs - 1]!.toFixed(4)),
    meanCpuMs: Number(((cpu.user + cpu.system) / 1000 / runs).toFixed(4)),
    coldFirstQuoteMs: Number(coldFirstQuoteMs.toFixed(3)),
    loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
  };
}
