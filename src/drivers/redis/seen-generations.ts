// Which generation a recent miss saw, per key, so the set() that follows it (after the caller
// read PostgreSQL) is written under that generation or not at all.
//
// Why: get -> miss -> read PostgreSQL -> set. If a reservation commits and invalidates the lot
// between the miss and the set, the value being set predates that write; writing it under the
// new generation would serve a stale count for a whole TTL. With the generation remembered,
// the set script drops it instead. Bounded (oldest entries evicted first); a set with nothing
// remembered (evicted, or no prior get) uses the current generation, and then the staleness
// is bounded by the TTL. Two concurrent misses of one key share one entry (the newer wins).

export class SeenGenerations {
  private readonly byKey = new Map<string, string>();

  constructor(private readonly capacity = 1_024) {}

  remember(key: string, generation: string): void {
    this.byKey.delete(key);
    this.byKey.set(key, generation);
    while (this.byKey.size > this.capacity) {
      const oldest = this.byKey.keys().next();
      if (oldest.done) break;
      this.byKey.delete(oldest.value);
    }
  }

  /** The generation remembered for `key`, forgotten as it is handed out; '' when none. */
  take(key: string): string {
    const generation = this.byKey.get(key);
    this.byKey.delete(key);
    return generation ?? '';
  }

  get size(): number {
    return this.byKey.size;
  }
}
