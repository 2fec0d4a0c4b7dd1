// The machine's CPU as `bench api` reports it, from /proc/stat (proc(5): the "cpu" line's user, nice,
// system, idle, iowait, irq, softirq, steal, guest, guest_nice, in USER_HZ = 100 a second).
import { describe, expect, it } from 'vitest';
import { addMachineCpu, machineCpuBetween, machineCpuReport, parseProcStat, sampleMachineCpu } from '../src/drivers/machine-cpu.js';

const stat = (user: number, system: number, idle: number, iowait: number, steal = 0) => [
  `cpu  ${user} 0 ${system} ${idle} ${iowait} 20 30 ${steal} 0 0`,
  `cpu0 ${user / 2} 0 ${system / 2} ${idle / 2} ${iowait / 2} 10 15 0 0 0`,
  `cpu1 ${user / 2} 0 ${system / 2} ${idle / 2} ${iowait / 2} 10 15 0 0 0`,
  'intr 123 0 0',
  'ctxt 456',
  'btime 1796590000',
  'processes 789',
  'procs_running 2',
  'procs_blocked 0',
].join('\n');

describe('machine CPU from /proc/stat', () => {
  it('counts user, nice, system, irq and softirq as busy; idle, iowait and steal only in the total; the CPUs from the cpuN lines', () => {
    expect(parseProcStat(stat(1000, 500, 3000, 400, 50))).toEqual({ busyMs: (1000 + 500 + 20 + 30) * 10, totalMs: (1550 + 3000 + 400 + 50) * 10, cpus: 2 });
  });

  it('a run: the busy share of all CPUs and the busy ms between two samples', () => {
    const before = parseProcStat(stat(1000, 500, 3000, 400));
    const after = parseProcStat(stat(1900, 800, 3300, 400)); // 1,200 ticks busy, 300 idle: 80%
    const run = machineCpuBetween(before, after)!;
    expect(run.busyMs).toBe(12_000);
    expect(run.totalMs).toBe(15_000);
    expect(run.busyShare).toBeCloseTo(0.8, 6);
    expect(machineCpuReport(run, 48_000)).toEqual({ cpus: 2, busyShare: 0.8, cpuMsPer: 0.25 });
  });

  it('two runs add as one (weighted by their length), and any missing run makes the sum unknown', () => {
    const a = machineCpuBetween(parseProcStat(stat(0, 0, 0, 0)), parseProcStat(stat(900, 0, 100, 0)))!; // a short run, nearly all busy
    const b = machineCpuBetween(parseProcStat(stat(0, 0, 0, 0)), parseProcStat(stat(1000, 0, 2000, 0)))!; // a longer one, a third busy
    const sum = addMachineCpu([a, b])!;
    expect(sum.busyMs).toBe(a.busyMs + b.busyMs);
    expect(sum.busyShare).toBeCloseTo((a.busyMs + b.busyMs) / (a.totalMs + b.totalMs), 6);
    expect(addMachineCpu([a, null])).toBeNull();
    expect(addMachineCpu([])).toBeNull();
  });

  it('no answer from text that is not /proc/stat, or from samples that do not go forward', () => {
    expect(parseProcStat('MemTotal: 1 kB\n')).toBeNull();
    expect(parseProcStat('cpu  x y z\n')).toBeNull();
    const s = parseProcStat(stat(1000, 500, 3000, 400));
    expect(machineCpuBetween(s, s)).toBeNull();
    expect(machineCpuBetween(null, s)).toBeNull();
  });

  it.runIf(process.platform === 'linux')('reads this machine: as many CPUs as Node sees, and the counters only grow', async () => {
    const a = await sampleMachineCpu();
    const until = Date.now() + 50;
    while (Date.now() < until) { /* busy for 50 ms: at least some ticks pass */ }
    const b = await sampleMachineCpu();
    expect(a!.cpus).toBe((await import('node:os')).cpus().length);
    expect(b!.totalMs).toBeGreaterThanOrEqual(a!.totalMs);
    expect(b!.busyMs).toBeGreaterThanOrEqual(a!.busyMs);
  });
});
