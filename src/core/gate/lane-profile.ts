// A lane controller's protocol as data (issue 12, item 8): how frames are cut, what the host
// sends for each command, what each message from the board means, whether the board answers
// commands, and what proves that the barrier moved. One driver (drivers/serial/lane-controller)
// speaks every profile, over a serial port or TCP.
//
// Shipped profiles:
//   parkctl      parkctl's own STX/ETX protocol with XOR checksum; every command is answered with
//                "ST OPEN|CLOSED|FAULT" or "NAK <reason>" (./lane-protocol in drivers/serial).
//   star-serial  the generic relay boards sold for car-park lanes: "*TRIG1#" pulses the barrier
//                relay and gets no answer, "*STAT#" makes the board report its inputs; the board
//                sends "*IN1ON#"/"*IN1OFF#" (arming loop), "*IN2ON#" (ticket button),
//                "*IN3ON#"/"*IN3OFF#" (the loop behind the barrier: OFF = the car has passed),
//                "*W<hex>#" (a Wiegand card).
//   star-tcp     the same vocabulary over TCP, framed 0xA6 ... 0xA9.
//
// A board that never answers cannot say that the barrier moved, so its entries are confirmed by
// inputs (the car passed: IN3ON then IN3OFF by default), or, where a site accepts it, by the command
// having been written ("commanded"). Invariant 10 holds either way: a decision stays void until
// what the profile calls confirmation has happened.
import { z } from 'zod';
import type { FramingOptions } from './frame-parser.js';
import type { BarrierState, ButtonName, LoopName } from './ports.js';

const byte = z.number().int().min(0).max(255);
const positiveMs = z.number().int().positive();
const checksum = z.enum(['none', 'xor-hex']);

const framingSchema = z.discriminatedUnion('mode', [
  z.strictObject({
    mode: z.literal('stx-etx'), stx: byte.optional(), etx: byte.optional(), checksum: checksum.optional(),
    maxFrameBytes: z.number().int().positive().optional(), ignoreWhitespace: z.boolean().optional(),
  }),
  z.strictObject({ mode: z.literal('line'), delimiter: z.string().min(1).optional(), checksum: checksum.optional(), maxFrameBytes: z.number().int().positive().optional() }),
]);

/** What one whole message (after trimming and collapsing spaces) means. */
const meaningSchema = z.union([
  z.strictObject({ state: z.enum(['open', 'closed', 'fault']) }),
  z.strictObject({ loop: z.enum(['arming', 'safety']), on: z.boolean() }),
  z.strictObject({ button: z.enum(['ticket', 'help']) }),
  /** the board accepted the command and says nothing of the barrier */
  z.strictObject({ ack: z.literal(true) }),
  /** a message worth nothing to the gate (a button released) */
  z.strictObject({ ignore: z.literal(true) }),
]);

/** Messages that start with a fixed prefix and carry a value: a refusal with its reason, a card number. */
const prefixSchema = z.strictObject({
  prefix: z.string().min(1),
  means: z.enum(['nak', 'card']),
  /** 'hex': the value must be hex digits (a Wiegand card); 'text': anything printable */
  value: z.enum(['text', 'hex']).optional(),
});

const confirmSchema = z.union([
  /** the board's status answer to OPEN confirms it (anything but FAULT) */
  z.literal('reply'),
  /** writing the command counts as the barrier moving: only where the site accepts that risk */
  z.literal('commanded'),
  /** these messages, in this order, after the command and within timeoutMs, confirm it */
  z.strictObject({ by: z.literal('input'), messages: z.array(z.string().min(1)).min(1), timeoutMs: positiveMs.optional() }),
]);

const commandsSchema = z.strictObject({
  /** sent to open; "{pulseMs}" is replaced by the pulse */
  open: z.string().min(1),
  /** sent to open with no pulse (latched); default: open without its pulse */
  openLatched: z.string().min(1).optional(),
  close: z.string().min(1).optional(),
  status: z.string().min(1).optional(),
  /** "{text}" is replaced by the display text */
  display: z.string().min(1).optional(),
});

export const laneProfileNames = ['parkctl', 'star-serial', 'star-tcp'] as const;
export type LaneProfileName = (typeof laneProfileNames)[number];

/** A profile in a gate config: a shipped name, or a shipped profile (base) with fields replaced. */
export const laneProfileRefSchema = z.union([
  z.enum(laneProfileNames),
  z.strictObject({
    base: z.enum(laneProfileNames).optional(),
    framing: framingSchema.optional(),
    /** merged over the base's commands */
    commands: commandsSchema.partial().optional(),
    /** true: every command is answered (a state, an ack or a NAK) within replyTimeoutMs */
    replies: z.boolean().optional(),
    replyTimeoutMs: positiveMs.optional(),
    /** merged over the base's messages */
    messages: z.record(z.string().min(1), meaningSchema).optional(),
    prefixes: z.array(prefixSchema).optional(),
    confirm: confirmSchema.optional(),
    /** send the status command whenever the link (re)opens, so the board reports its loops */
    askStatusOnConnect: z.boolean().optional(),
  }),
]);
export type LaneProfileRef = z.infer<typeof laneProfileRefSchema>;

export type LaneMeaning = z.infer<typeof meaningSchema>;
export type LaneConfirm = z.infer<typeof confirmSchema>;

export interface LaneProfile {
  name: string;
  framing: FramingOptions;
  commands: z.infer<typeof commandsSchema>;
  replies: boolean;
  /** ms */
  replyTimeoutMs: number;
  messages: Record<string, LaneMeaning>;
  prefixes: Array<z.infer<typeof prefixSchema>>;
  confirm: LaneConfirm;
  askStatusOnConnect: boolean;
}

/** How long an input confirmation may take by default: a car drives through in seconds, a hesitant one in tens. */
export const defaultInputConfirmMs = 30_000;

const parkctl: LaneProfile = {
  name: 'parkctl',
  framing: { mode: 'stx-etx', checksum: 'xor-hex' },
  commands: { open: 'OPEN {pulseMs}', openLatched: 'OPEN', close: 'CLOSE', status: 'STATUS', display: 'DISP {text}' },
  replies: true,
  replyTimeoutMs: 500,
  messages: {
    'ST OPEN': { state: 'open' }, 'ST CLOSED': { state: 'closed' }, 'ST FAULT': { state: 'fault' },
    'LOOP A 1': { loop: 'arming', on: true }, 'LOOP A 0': { loop: 'arming', on: false },
    'LOOP S 1': { loop: 'safety', on: true }, 'LOOP S 0': { loop: 'safety', on: false },
    'BTN HELP': { button: 'help' }, 'BTN TICKET': { button: 'ticket' },
  },
  prefixes: [{ prefix: 'NAK', means: 'nak', value: 'text' }],
  confirm: 'reply',
  askStatusOnConnect: false,
};

const starMessages: Record<string, LaneMeaning> = {
  IN1ON: { loop: 'arming', on: true }, IN1OFF: { loop: 'arming', on: false },
  IN2ON: { button: 'ticket' }, IN2OFF: { ignore: true },
  IN3ON: { loop: 'safety', on: true }, IN3OFF: { loop: 'safety', on: false },
};

const starSerial: LaneProfile = {
  name: 'star-serial',
  framing: { mode: 'stx-etx', stx: 0x2a, etx: 0x23, checksum: 'none', maxFrameBytes: 64, ignoreWhitespace: true },
  commands: { open: 'TRIG1', status: 'STAT' },
  replies: false,
  replyTimeoutMs: 500,
  messages: starMessages,
  prefixes: [{ prefix: 'W', means: 'card', value: 'hex' }],
  // The car drove onto the loop behind the barrier and off it again. Both edges, in order: a lone
  // IN3OFF may be the board's answer to STAT (a state, not a car), and must not confirm anything.
  confirm: { by: 'input', messages: ['IN3ON', 'IN3OFF'], timeoutMs: defaultInputConfirmMs },
  askStatusOnConnect: true,
};

const starTcp: LaneProfile = { ...starSerial, name: 'star-tcp', framing: { ...starSerial.framing, stx: 0xa6, etx: 0xa9 } as FramingOptions };

export const laneProfiles: Readonly<Record<LaneProfileName, LaneProfile>> = { parkctl, 'star-serial': starSerial, 'star-tcp': starTcp };

/**
 * The profile a config names: a shipped one, or a shipped one with fields replaced (messages and
 * commands merge key by key). Throws RangeError naming what does not fit together.
 */
export function resolveLaneProfile(ref: LaneProfileRef | undefined, fallback: LaneProfileName): LaneProfile {
  if (ref === undefined || typeof ref === 'string') return laneProfiles[ref ?? fallback];
  const base = laneProfiles[ref.base ?? fallback];
  const profile: LaneProfile = {
    name: `${base.name}+custom`,
    framing: (ref.framing as FramingOptions | undefined) ?? base.framing,
    commands: { ...base.commands, ...(ref.commands ?? {}) },
    replies: ref.replies ?? base.replies,
    replyTimeoutMs: ref.replyTimeoutMs ?? base.replyTimeoutMs,
    messages: { ...base.messages, ...(ref.messages ?? {}) },
    prefixes: ref.prefixes ?? base.prefixes,
    confirm: ref.confirm ?? base.confirm,
    askStatusOnConnect: ref.askStatusOnConnect ?? base.askStatusOnConnect,
  };
  checkLaneProfile(profile);
  return profile;
}

/** A profile whose confirmation can never happen is refused before the lane opens. */
export function checkLaneProfile(p: LaneProfile): void {
  if (p.confirm === 'reply' && !p.replies) throw new RangeError('confirm "reply" needs a board that replies (replies: true); use an input or "commanded"');
  if (typeof p.confirm === 'object') {
    for (const m of p.confirm.messages) {
      if (!(normaliseLanePayload(m) in p.messages)) throw new RangeError(`confirm message "${m}" is not one of the profile's messages`);
    }
  }
}

/** Messages are compared trimmed, with runs of spaces as one. */
export function normaliseLanePayload(payload: string): string {
  return payload.trim().replace(/\s+/g, ' ');
}

export type LaneCommandKind = 'open' | 'close' | 'status' | 'display';

/** The payload for a command, or null when the profile has no such command. */
export function laneCommandPayload(p: LaneProfile, kind: LaneCommandKind, arg: { pulseMs?: number; text?: string } = {}): string | null {
  if (kind === 'open') {
    const pulse = arg.pulseMs;
    if (pulse === undefined || pulse <= 0) return p.commands.openLatched ?? p.commands.open.replace(/\s*\{pulseMs\}/g, '');
    return p.commands.open.replace(/\{pulseMs\}/g, String(Math.max(1, Math.round(pulse))));
  }
  const template = p.commands[kind];
  if (!template) return null;
  return template.replace(/\{text\}/g, sanitiseLaneText(arg.text ?? ''));
}

/** Display text is upper-cased printable ASCII without the framing's bytes; the smallest lane display is 32 characters wide. */
export function sanitiseLaneText(text: string): string {
  return text.toUpperCase().replace(/[^\x20-\x7e]/g, '?').replace(/[*#]/g, ' ').slice(0, 32);
}

export type LaneEvent =
  | { kind: 'status'; state: BarrierState }
  | { kind: 'ack' }
  | { kind: 'nak'; reason: string }
  | { kind: 'loop'; loop: LoopName; on: boolean }
  | { kind: 'button'; button: ButtonName }
  | { kind: 'card'; code: string }
  | { kind: 'ignore' };

/** One frame's payload in the profile's vocabulary; null when the profile has no such message. */
export function readLaneMessage(p: LaneProfile, payload: string): LaneEvent | null {
  const text = normaliseLanePayload(payload);
  const m = p.messages[text];
  if (m) {
    if ('state' in m) return { kind: 'status', state: m.state };
    if ('loop' in m) return { kind: 'loop', loop: m.loop, on: m.on };
    if ('button' in m) return { kind: 'button', button: m.button };
    if ('ack' in m) return { kind: 'ack' };
    return { kind: 'ignore' };
  }
  for (const pre of p.prefixes) {
    if (!text.startsWith(pre.prefix)) continue;
    const rest = text.slice(pre.prefix.length);
    if (pre.means === 'nak') {
      // "NAK" alone or "NAK <reason>"; "NAKED" is not a refusal.
      if (rest !== '' && !rest.startsWith(' ')) continue;
      return { kind: 'nak', reason: rest.trim() || 'unspecified' };
    }
    const value = rest.trim();
    if (value === '' || ((pre.value ?? 'text') === 'hex' && !/^[0-9A-Fa-f]+$/.test(value))) continue;
    return { kind: 'card', code: `card:${value.toUpperCase()}` };
  }
  return null;
}
