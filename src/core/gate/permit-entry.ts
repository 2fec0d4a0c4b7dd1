// Is a permit good for an entry now? Pure, like decide.ts: the permit's dates, days and times in the
// lot's zone (with the lot's entry grace before a window opens), its payment (with the lot's grace
// after it lapsed), its status, and how many of its vehicles are already inside ("parks").
import { DateTime } from 'luxon';

export interface AllowedPermit {
  permitId: string;
  holder: string;
  /** normalised A-Z0-9 */
  plates: readonly string[];
  status: 'active' | 'suspended' | 'cancelled';
  validFrom: Date;
  validUntil: Date;
  /** ISO weekdays a window starts on */
  days: readonly number[];
  fromMinute: number;
  toMinute: number;
  parks: number;
  /** null: a free permit; else paid up to here */
  paidUntil: Date | null;
  priced: boolean;
}

export interface PermitPolicy {
  timeZone: string;
  /** minutes before a window opens that the gate already admits */
  entryGraceMinutes: number;
  /** days after paid_until that the gate still admits */
  paymentGraceDays: number;
}

export type PermitVerdict = 'PERMIT' | 'PERMIT_NOT_VALID_NOW' | 'PERMIT_UNPAID' | 'PERMIT_IN_USE' | 'PERMIT_SUSPENDED';

/** Inside a window at this instant: by the local weekday and minute, over midnight when from >= to. */
export function inPermitWindow(p: Pick<AllowedPermit, 'days' | 'fromMinute' | 'toMinute'>, at: Date, timeZone: string): boolean {
  const local = DateTime.fromJSDate(at, { zone: timeZone });
  const minute = local.hour * 60 + local.minute;
  const weekday = local.weekday;
  if (p.fromMinute < p.toMinute) return p.days.includes(weekday) && minute >= p.fromMinute && minute < p.toMinute;
  const yesterday = weekday === 1 ? 7 : weekday - 1;
  return (p.days.includes(weekday) && minute >= p.fromMinute) || (p.days.includes(yesterday) && minute < p.toMinute);
}

export function permitVerdict(p: AllowedPermit, now: Date, policy: PermitPolicy, insideNow: number): PermitVerdict {
  if (p.status !== 'active') return 'PERMIT_SUSPENDED';
  const t = now.getTime();
  const early = t + policy.entryGraceMinutes * 60_000;
  if (early < p.validFrom.getTime() || t >= p.validUntil.getTime()) return 'PERMIT_NOT_VALID_NOW';
  if (!inPermitWindow(p, now, policy.timeZone) && !inPermitWindow(p, new Date(early), policy.timeZone)) return 'PERMIT_NOT_VALID_NOW';
  if (p.priced && (p.paidUntil === null || t >= p.paidUntil.getTime() + policy.paymentGraceDays * 86_400_000)) return 'PERMIT_UNPAID';
  if (insideNow >= p.parks) return 'PERMIT_IN_USE';
  return 'PERMIT';
}
