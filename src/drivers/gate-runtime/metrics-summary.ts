// The figures `gate-daemon status` shows from a running daemon's /metrics.json (the same series as
// /metrics): pure over prom-client's JSON, plus the fetch.

export interface GateLiveFigures {
  /** decisions since the daemon started */
  decisions: { allowed: number; refused: number };
  /** what the barrier did with allowed decisions */
  barrier: { confirmed: number; void: number; faults: number; online: boolean | null; state: string };
  /** decisions by reason, e.g. RESERVATION: 12, NO_BOOKING: 3 */
  byReason: Record<string, number>;
  /** input to decision on disk, from the histogram's buckets (upper bounds), ms */
  decisionP50Ms: number | null;
  decisionP95Ms: number | null;
  inputErrors: number;
  journalDepth: number;
  syncLagSeconds: number;
  databaseReachable: boolean | null;
}

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}
export interface MetricJson {
  name: string;
  values: MetricValue[];
}

export function summariseGateMetrics(metrics: MetricJson[]): GateLiveFigures {
  const values = (name: string) => metrics.find((m) => m.name === name)?.values ?? [];
  const sum = (name: string, match: Record<string, string> = {}) =>
    values(name).filter((v) => Object.entries(match).every(([k, want]) => String(v.labels[k]) === want)).reduce((a, v) => a + v.value, 0);
  const one = (name: string) => values(name)[0]?.value ?? 0;
  const tri = (v: number) => (v < 0 ? null : v > 0);
  const byReason: Record<string, number> = {};
  for (const v of values('parkctl_gate_decisions_total')) byReason[String(v.labels.reason)] = (byReason[String(v.labels.reason)] ?? 0) + v.value;
  const state = values('parkctl_gate_barrier_state').find((v) => v.value === 1)?.labels.state;
  return {
    decisions: { allowed: sum('parkctl_gate_decisions_total', { outcome: 'allowed' }), refused: sum('parkctl_gate_decisions_total', { outcome: 'refused' }) },
    barrier: {
      confirmed: sum('parkctl_gate_barrier_outcomes_total', { outcome: 'confirmed' }), void: sum('parkctl_gate_barrier_outcomes_total', { outcome: 'void' }),
      faults: sum('parkctl_gate_events_total', { kind: 'fault' }), online: tri(sum('parkctl_gate_device_online')), state: state === undefined ? 'unknown' : String(state),
    },
    byReason,
    decisionP50Ms: quantileMs(values('parkctl_gate_decision_seconds'), 0.5),
    decisionP95Ms: quantileMs(values('parkctl_gate_decision_seconds'), 0.95),
    inputErrors: sum('parkctl_gate_events_total', { kind: 'input_error' }),
    journalDepth: one('parkctl_gate_journal_depth'),
    syncLagSeconds: one('parkctl_gate_sync_lag_seconds'),
    databaseReachable: tri(one('parkctl_gate_database_reachable')),
  };
}

/** The upper bound of the bucket holding quantile q, over all label sets; null with no observations. */
function quantileMs(histogram: MetricValue[], q: number): number | null {
  const buckets = new Map<number, number>();
  for (const v of histogram) {
    if (!v.metricName?.endsWith('_bucket')) continue;
    const le = v.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(v.labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) + v.value);
  }
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total === 0) return null;
  const hit = sorted.find(([, count]) => count >= q * total)!;
  return Number.isFinite(hit[0]) ? hit[0] * 1000 : Number.POSITIVE_INFINITY;
}

/** Reads a running daemon's figures from http://<listen>/metrics.json; a reason string when it does not answer. */
export async function fetchGateFigures(listen: string, timeoutMs = 2000): Promise<GateLiveFigures | string> {
  const host = listen.replace(/^0\.0\.0\.0:/, '127.0.0.1:').replace(/^\[::\]:/, '[::1]:');
  try {
    const res = await fetch(`http://${host}/metrics.json`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return `http://${host}/metrics.json answered ${res.status}`;
    return summariseGateMetrics((await res.json()) as MetricJson[]);
  } catch (err) {
    return `no answer on http://${host}/metrics.json (${(err as Error).message}): is the daemon running with metricsListen?`;
  }
}
