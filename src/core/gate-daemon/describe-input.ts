// What the gate journal keeps of an input (the daemon's decision and input records).
import type { GateInput } from '../gate/ports.js';

/** What the journal keeps of an input: enough to audit, nothing unbounded. */
export function describeInput(input: GateInput): Record<string, unknown> {
  const base = { kind: String(input.kind), source: String(input.source ?? '').slice(0, 80) };
  switch (input.kind) {
    case 'plate':
      return { ...base, plate: String(input.plate).slice(0, 16), confidence: input.confidence, readId: String(input.readId).slice(0, 80) };
    case 'credential':
      return { ...base, code: String(input.code).slice(0, 128) };
    case 'loop':
      return { ...base, loop: input.loop, on: input.on };
    case 'button':
      return { ...base, button: input.button };
    default:
      return base;
  }
}
