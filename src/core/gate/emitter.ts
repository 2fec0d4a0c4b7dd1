// A tiny typed event emitter. Ports declare their events as a map (name -> payload) so a
// listener that misreads a payload is a compile error, not a gate that stays shut at 3 a.m.
// Pure: no I/O, no Node-only APIs, usable by drivers and test doubles alike.

export type Listener<T> = (payload: T) => void;

/** The listening half of a port: what the daemon sees. */
export interface EventSource<M extends object> {
  on<K extends keyof M>(event: K, listener: Listener<M[K]>): this;
  off<K extends keyof M>(event: K, listener: Listener<M[K]>): this;
}

export class TypedEmitter<M extends object> implements EventSource<M> {
  private readonly listeners = new Map<keyof M, Set<Listener<never>>>();

  on<K extends keyof M>(event: K, listener: Listener<M[K]>): this {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    return this;
  }

  off<K extends keyof M>(event: K, listener: Listener<M[K]>): this {
    this.listeners.get(event)?.delete(listener as Listener<never>);
    return this;
  }

  /**
   * Calls every listener; a listener that throws is isolated so one faulty subscriber cannot
   * stop the others (or the driver's read loop). The throw is re-emitted as 'error' when the
   * map has one, and swallowed otherwise.
   */
  emit<K extends keyof M>(event: K, payload: M[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as Listener<M[K]>)(payload);
      } catch (err) {
        if (event !== 'error' && this.listeners.get('error' as keyof M)?.size) {
          this.emit('error' as keyof M, (err instanceof Error ? err : new Error(String(err))) as M[keyof M]);
        }
      }
    }
  }

  listenerCount(event: keyof M): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  removeAllListeners(): void {
    this.listeners.clear();
  }
}
