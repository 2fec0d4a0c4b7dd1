// The lane controller's ASCII protocol (one message per frame; framing in core/gate/frame-parser).
//
//   host -> controller            controller -> host
//   OPEN [pulseMs]                ST OPEN | ST CLOSED | ST FAULT   (answer to every command, and unsolicited)
//   CLOSE                         NAK <reason>                     (command refused)
//   STATUS                        LOOP A 1 | LOOP A 0              (arming loop on/off)
//   DISP <text>                   LOOP S 1 | LOOP S 0              (safety loop on/off)
//                                 BTN HELP | BTN TICKET
//
// Fixture captures of real exchanges are in fixtures/frames/lane-*.txt.

import type { BarrierState, ButtonName, LoopName } from '../../core/gate/ports.js';

export type LaneCommand =
  | { kind: 'open'; pulseMs?: number }
  | { kind: 'close' }
  | { kind: 'status' }
  | { kind: 'display'; text: string };

export type LaneMessage =
  | { kind: 'status'; state: BarrierState }
  | { kind: 'nak'; reason: string }
  | { kind: 'loop'; loop: LoopName; on: boolean }
  | { kind: 'button'; button: ButtonName };

/** Display text is upper-cased printable ASCII; the smallest lane display is 32 characters wide. */
export const maxDisplayChars = 32;

export function encodeLaneCommand(cmd: LaneCommand): string {
  switch (cmd.kind) {
    case 'open':
      return cmd.pulseMs === undefined ? 'OPEN' : `OPEN ${Math.max(1, Math.round(cmd.pulseMs))}`;
    case 'close':
      return 'CLOSE';
    case 'status':
      return 'STATUS';
    case 'display':
      return `DISP ${sanitiseDisplayText(cmd.text)}`;
  }
}

export function sanitiseDisplayText(text: string): string {
  return text.toUpperCase().replace(/[^\x20-\x7e]/g, '?').replace(/\*/g, ' ').slice(0, maxDisplayChars);
}

const states: Record<string, BarrierState> = { OPEN: 'open', CLOSED: 'closed', FAULT: 'fault' };
const loops: Record<string, LoopName> = { A: 'arming', S: 'safety' };
const buttons: Record<string, ButtonName> = { HELP: 'help', TICKET: 'ticket' };

/** Parses one frame's payload; null when it is not a message of this protocol. */
export function parseLaneMessage(payload: string): LaneMessage | null {
  const parts = payload.trim().split(/\s+/);
  const [head, a, b] = parts;
  switch (head) {
    case 'ST': {
      const state = a !== undefined && parts.length === 2 ? states[a] : undefined;
      return state ? { kind: 'status', state } : null;
    }
    case 'NAK':
      return { kind: 'nak', reason: parts.slice(1).join(' ') || 'unspecified' };
    case 'LOOP': {
      const loop = a !== undefined ? loops[a] : undefined;
      if (!loop || (b !== '1' && b !== '0') || parts.length !== 3) return null;
      return { kind: 'loop', loop, on: b === '1' };
    }
    case 'BTN': {
      const button = a !== undefined && parts.length === 2 ? buttons[a] : undefined;
      return button ? { kind: 'button', button } : null;
    }
    default:
      return null;
  }
}
