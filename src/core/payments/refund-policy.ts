// A lot's refund rules (lots.policy.refunds, see fixtures/city-garage.yaml):
//   refunds: [{ min_hours_before_start: 24, percent: 100 }, { min_hours_before_start: 2, percent: 50 }]
// Cancelling at least 24 hours ahead gives everything back, at least 2 hours half, later nothing.
// A lot without rules refunds nothing automatically (the operator can still refund by hand).
import { UsageError } from '../errors.js';
import { intIn, isJsonObject, numberIn, StoredValueError } from '../json/read.js';
import { divideRoundHalfUp } from '../pricing/money.js';

export interface RefundRule {
  min_hours_before_start: number;
  percent: number;
}

/** One rule; other keys in it are ignored (read without zod: json/read.ts). */
function readRule(value: unknown, where: string): RefundRule {
  if (!isJsonObject(value)) throw new StoredValueError(where, 'expected { min_hours_before_start, percent }');
  return {
    min_hours_before_start: numberIn(value.min_hours_before_start, 0, Number.MAX_VALUE, `${where}.min_hours_before_start`),
    percent: intIn(value.percent, 0, 100, `${where}.percent`),
  };
}

export function refundRules(policy: Record<string, unknown>): RefundRule[] {
  let rules: RefundRule[];
  try {
    const stored = policy.refunds;
    if (stored !== undefined && !Array.isArray(stored)) throw new StoredValueError('refunds', 'expected a list');
    rules = (stored ?? []).map((rule, i) => readRule(rule, `refunds[${i}]`));
  } catch (err) {
    if (!(err instanceof StoredValueError)) throw err;
    throw new UsageError(`the lot's refund policy is malformed: ${err.message}`, {
      hint: 'policy.refunds is a list of { min_hours_before_start, percent }; fix the lot file and import it again',
      code: 'bad_refund_policy',
    });
  }
  return rules.sort((a, b) => b.min_hours_before_start - a.min_hours_before_start);
}

/** The percent of the payment given back when cancelling `noticeMs` before the window starts. */
export function refundPercent(rules: readonly RefundRule[], noticeMs: number): number {
  const hours = noticeMs / 3_600_000;
  return rules.find((r) => hours >= r.min_hours_before_start)?.percent ?? 0;
}

/** percent of amountMinor, integer minor units, halves up. */
export function percentOf(amountMinor: number, percent: number): number {
  return divideRoundHalfUp(amountMinor * percent, 100);
}
