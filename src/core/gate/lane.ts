// Which input to decide on, and when (the arming-loop rule in decide.ts). Pure: the caller
// passes every input in arrival order and gets back at most one "present this now".
//
// - A plate read or QR scan while a vehicle is on the arming loop is presented at once.
// - One that arrives before the vehicle reaches the loop (cameras read from afar) is held for
//   holdMs and presented when the loop comes on; older reads are dropped, never presented.
// - Once something was presented for the vehicle on the loop, repeated reads of the same plate
//   are suppressed until the loop clears (a camera reads a waiting car many times a second).
// - The loop going off clears everything: the next vehicle starts from nothing.
// - Until presumeArmedUntil (a restart), while no arming-loop frame has come, a read is presented
//   as if the loop were on: a controller reports only changes, and a car already standing on the
//   loop when the daemon came back would otherwise wait for a change that never comes.

import type { CredentialInput, GateInput, PlateReadInput, ButtonInput } from './ports.js';

export type Presentable = PlateReadInput | CredentialInput | ButtonInput;

export interface LanePresenceOptions {
  /** how long a read taken before the vehicle reached the loop stays good (default 10 s) */
  holdMs?: number;
  /** until this instant, and until the first arming-loop frame, a read counts as a vehicle on the loop */
  presumeArmedUntil?: Date;
}

export class LanePresence {
  private armedNow = false;
  private pending: Presentable | null = null;
  private presentedKeys = new Set<string>();
  private readonly holdMs: number;
  /** ms; 0 once an arming-loop frame said where the vehicle is */
  private presumeUntil: number;

  constructor(opts: LanePresenceOptions = {}) {
    this.holdMs = opts.holdMs ?? 10_000;
    this.presumeUntil = opts.presumeArmedUntil?.getTime() ?? 0;
  }

  get armed(): boolean {
    return this.armedNow;
  }

  /** Feed one input; returns the input to decide on now, or null. `now` is the clock's time. */
  observe(input: GateInput, now: Date): Presentable | null {
    if (input.kind === 'loop') {
      if (input.loop !== 'arming') return null;
      this.presumeUntil = 0;
      this.armedNow = input.on;
      if (!input.on) {
        this.pending = null;
        this.presentedKeys.clear();
        return null;
      }
      const held = this.pending;
      this.pending = null;
      if (held && now.getTime() - held.at.getTime() <= this.holdMs) return this.present(held);
      return null;
    }
    if (input.kind === 'button' && input.button !== 'ticket') return null;
    if (!this.armedNow && now.getTime() < this.presumeUntil) return this.present(input);
    if (!this.armedNow) {
      this.pending = input;
      return null;
    }
    return this.present(input);
  }

  /** Lets the same credential be presented again (e.g. after LOW_CONFIDENCE, a better read). */
  forget(input: Presentable): void {
    this.presentedKeys.delete(keyOf(input));
  }

  private present(input: Presentable): Presentable | null {
    const key = keyOf(input);
    if (this.presentedKeys.has(key)) return null;
    this.presentedKeys.add(key);
    return input;
  }
}

function keyOf(input: Presentable): string {
  switch (input.kind) {
    case 'plate':
      return `p:${input.plate}`;
    case 'credential':
      return `c:${input.code}`;
    case 'button':
      return `b:${input.button}`;
  }
}
