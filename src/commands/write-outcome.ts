// What a person should do after a write lost its database (issue 21): each writing command says how
// to see whether it took effect and whether running it again is safe. cli.ts adds this to the one
// error line when the outcome is not "not applied".
import type { WriteOutcome } from '../core/db.js';

/** The command as typed: its path ("booking reserve"), positional arguments and options. */
export interface Invocation {
  path: string;
  args: readonly string[];
  opts: Record<string, unknown>;
  /** the idempotency key this run used, and whether parkctl made it up */
  key?: { flag: string; value: string; generated: boolean } | undefined;
}

interface WriteAdvice {
  /** a command that shows whether the write took effect */
  check: (inv: Invocation) => string;
  /** why running it again is safe (and what it answers) */
  rerun: (inv: Invocation) => string;
}

const str = (v: unknown, fallback: string): string => (typeof v === 'string' && v ? v : fallback);

const advice: Record<string, WriteAdvice> = {
  'lot import': {
    check: (i) => `parkctl lot show <code from ${str(i.args[0], 'the file')}>`,
    rerun: () => 're-importing the same file is safe: it changes nothing twice',
  },
  'booking reserve': {
    check: (i) => `parkctl booking list --lot ${str(i.opts.lot, '<lot>')} --plate ${str(i.opts.plate, '<plate>')}`,
    rerun: (i) => i.key
      ? `re-running with ${i.key.flag} ${i.key.value} is safe and returns the same reservation`
      : 're-running with the same --external-ref is safe and returns the same reservation',
  },
  'booking complete': {
    check: (i) => `parkctl booking show ${str(i.args[0], '<id>')}`,
    rerun: () => 're-running with the same --payment-token is safe: it confirms once',
  },
  'booking cancel': {
    check: (i) => `parkctl booking show ${str(i.args[0], '<id>')}`,
    rerun: () => 're-running is safe: a booking already cancelled is refused (exit 3), nothing is refunded twice',
  },
  'booking import': {
    check: () => 'parkctl booking list --lot <lot>',
    rerun: () => 're-importing the same file is safe: each row\'s external_ref books once',
  },
  'visit arrive': {
    check: (i) => `parkctl booking list --lot ${str(i.opts.lot, '<lot>')} --plate ${str(i.opts.plate, '<plate>')}`,
    rerun: () => 're-running is safe: a car already inside is refused (exit 3)',
  },
  'visit depart': {
    check: (i) => `parkctl booking list --lot ${str(i.opts.lot, '<lot>')} --plate ${str(i.opts.plate, '<plate>')}`,
    rerun: () => 're-running is safe: a car already out is refused (exit 3)',
  },
  'payments collect': {
    check: (i) => `parkctl payments list --visit ${str(i.args[0], '<visit-id>')}`,
    rerun: (i) => i.opts.amount === undefined
      ? 're-running is safe: it takes only what is still due'
      : 'look before taking --amount again: a part-payment that went through is not taken twice only if you check first',
  },
  'sweeper run': {
    check: () => 'parkctl sweeper run --once (it sweeps what is left)',
    rerun: () => 're-running is safe: sweeps are idempotent',
  },
};

/** The hint for a write whose database went away mid-way; undefined for commands that do not write. */
export function writeOutcomeHint(inv: Invocation, outcome: WriteOutcome): string | undefined {
  const a = advice[inv.path];
  if (!a) return undefined;
  if (outcome === 'not_applied') return `nothing was written: run it again once PostgreSQL answers`;
  if (outcome === 'applied') return `it took effect; see it with: ${a.check(inv)}`;
  return `see whether it took effect with: ${a.check(inv)}; ${a.rerun(inv)}`;
}

export function isWriteCommand(path: string): boolean {
  return path in advice;
}

export const outcomeMessage: Record<WriteOutcome, string> = {
  not_applied: 'not applied',
  applied: 'applied',
  unknown: 'outcome unknown',
};
