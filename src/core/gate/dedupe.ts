// "Have I seen this read already?" with bounded memory: plate cameras and webhooks retry, and the
// same read must count once, but a gate runs for months and must not keep every key forever.

export class RecentKeys {
  private readonly keys = new Map<string, true>();

  /** @param capacity keys remembered; the oldest is forgotten first */
  constructor(private readonly capacity = 1000) {}

  /** true the first time a key is seen (and remembers it), false for a repeat. */
  firstTime(key: string): boolean {
    if (this.keys.has(key)) return false;
    this.keys.set(key, true);
    if (this.keys.size > this.capacity) {
      const oldest = this.keys.keys().next();
      if (!oldest.done) this.keys.delete(oldest.value);
    }
    return true;
  }

  get size(): number {
    return this.keys.size;
  }
}
