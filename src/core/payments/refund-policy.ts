// A lot's refund rules (lots.policy.refunds, see fixtures/city-garage.yaml):
//   refunds: [{ min_hours_before_start: 24, percent: 100 }, { min_hours_before_start: 2, percent: 50 }]
// Cancelling at least 24 hours ahead gives everything back, at least 2 hours half, later nothing.
// A lot without rules refunds nothing automatically (the operator can still refund by hand).
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { divideRoundHalfUp } from '../pricing/money.js';

const refundRule = z.object({
  min_hours_before_start: z.number().min(0),
  percent: z.number().int().min(0).max(100),
});
export type RefundRule = z.infer<typeof refundRule>;

export function refundRules(policy: Record<string, unknown>): RefundRule[] {
  const parsed = z.array(refundRule).optional().safeParse(policy.refunds);
  if (!parsed.success) {
    throw new UsageError(`the lot's refund policy is malformed: ${parsed.error.issues[0]?.message ?? 'bad rules'}`, {
      hint: 'policy.refunds is a list of { min_hours_before_start, percent }; fix the lot file and import it again',
      code: 'bad_refund_policy',
    });
  }
  return [...(parsed.data ?? [])].sort((a, b) => b.min_hours_before_start - a.min_hours_before_start);
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
