// The whole machine's CPU time, from /proc/stat (Linux), for benchmarks that share one box between a load
// generator, a server and PostgreSQL: how busy the box was over a run and its CPU per unit of work, every
// process and the kernel included. A per-process figure cannot show that a box sat half idle; this can.
// null where /proc/stat cannot be read (not Linux).
import { readFile } from 'node:fs/promises';

export interface MachineCpuSample {
  /** ms of CPU spent on work (user, nice, system, irq, softirq) since boot, all CPUs together */
  busyMs: number;
  /** busy + idle + iowait + steal */
  totalMs: number;
  cpus: number;
}

export interface MachineCpu {
  cpus: number;
  /** 0..1: the share of all CPUs' time spent on work */
  busyShare: number;
  busyMs: number;
  totalMs: number;
}

/** /proc/stat's counters are in USER_HZ, 100 a second on every Linux architecture Node runs on. */
const msPerTick = 10;

export function parseProcStat(text: string): MachineCpuSample | null {
  const lines = text.split('\n');
  const all = lines.find((l) => l.startsWith('cpu '));
  if (!all) return null;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = all.trim().split(/\s+/).slice(1, 9).map(Number);
  if ([user, nice, system, idle].some((n) => n === undefined || !Number.isFinite(n))) return null;
  const busy = user! + nice! + system! + (irq ?? 0) + (softirq ?? 0);
  return {
    busyMs: busy * msPerTick,
    totalMs: (busy + idle! + (iowait ?? 0) + (steal ?? 0)) * msPerTick,
    cpus: lines.filter((l) => /^cpu\d+ /.test(l)).length,
  };
}

export async function sampleMachineCpu(): Promise<MachineCpuSample | null> {
  const text = await readFile('/proc/stat', 'utf8').catch(() => null);
  return text === null ? null : parseProcStat(text);
}

export function machineCpuBetween(before: MachineCpuSample | null, after: MachineCpuSample | null): MachineCpu | null {
  if (!before || !after || after.totalMs <= before.totalMs) return null;
  const busyMs = after.busyMs - before.busyMs;
  const totalMs = after.totalMs - before.totalMs;
  return { cpus: after.cpus, busyShare: busyMs / totalMs, busyMs, totalMs };
}

/** Several runs' CPU as one: their busy and total time added (a mean weighted by each run's length). */
export function addMachineCpu(runs: readonly (MachineCpu | null)[]): MachineCpu | null {
  if (runs.length === 0 || runs.some((r) => r === null)) return null;
  const busyMs = runs.reduce((s, r) => s + r!.busyMs, 0);
  const totalMs = runs.reduce((s, r) => s + r!.totalMs, 0);
  return { cpus: runs[0]!.cpus, busyShare: busyMs / totalMs, busyMs, totalMs };
}

/** What a benchmark prints: the busy share and CPU ms per unit of work (a reservation, an answer), to 3 decimals. */
export interface MachineCpuReport {
  cpus: number;
  busyShare: number;
  cpuMsPer: number;
}

export function machineCpuReport(machine: MachineCpu, units: number): MachineCpuReport {
  const round3 = (x: number) => Math.round(x * 1000) / 1000;
  return { cpus: machine.cpus, busyShare: round3(machine.busyShare), cpuMsPer: round3(machine.busyMs / Math.max(1, units)) };
}
