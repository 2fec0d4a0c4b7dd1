// The lines `gate-daemon status` adds from the running daemon's metrics (metricsListen).
import type { GateStatus } from '../drivers/gate-runtime/status.js';

export function liveFields(d: GateStatus): Array<[string, string]> {
  if (!d.metricsListen) return [['live figures', 'off (set metricsListen in the config, or --metrics-listen)']];
  const l = d.live;
  if (!l) return [['live figures', d.liveError ?? '-']];
  const reasons = Object.entries(l.byReason).sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r} ${n}`).join(', ');
  const ms = (v: number | null) => (v === null ? '-' : `${v} ms`);
  const onOff = (v: boolean | null, yes: string, no: string) => (v === null ? 'not reported' : v ? yes : no);
  return [
    ['decisions', `${l.decisions.allowed} allowed, ${l.decisions.refused} refused${reasons ? ` (${reasons})` : ''}`],
    ['barrier', `${l.barrier.confirmed} confirmed, ${l.barrier.void} void, ${l.barrier.faults} faults; device ${onOff(l.barrier.online, 'online', 'OFFLINE')}, ${l.barrier.state}`],
    ['decision time', `p50 <= ${ms(l.decisionP50Ms)}, p95 <= ${ms(l.decisionP95Ms)}`],
    ['sync', `${l.journalDepth} events waiting, lag ${l.syncLagSeconds.toFixed(1)} s; database ${onOff(l.databaseReachable, 'reachable', 'UNREACHABLE')} from the daemon`],
    ['input errors', String(l.inputErrors)],
  ];
}
