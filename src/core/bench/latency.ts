/** Percentiles of latencies in ms (nearest-rank). */
export function percentiles(samplesMs: number[], ps: number[]): Record<string, number> {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const out: Record<string, number> = {};
  for (const p of ps) {
    const rank = Math.max(0, Math.ceil((p / 100) * sorted.length) - 1);
    out[`p${p}`] = sorted.length ? Math.round(sorted[rank]! * 100) / 100 : 0;
  }
  return out;
}
