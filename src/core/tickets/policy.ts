// How a lot treats paper tickets (lot file):
//   policy:
//     tickets: { exit_grace_minutes: 15, lost_ticket_fee: 2500 }
// exit_grace_minutes: how long a paid ticket may take to reach the exit; lost_ticket_fee: what a lost
// ticket costs when no plate read at the entry proves when the car came in (minor units).
import { z } from 'zod';

export const ticketPolicySchema = z.object({
  exit_grace_minutes: z.number().int().min(0).max(24 * 60).default(15),
  lost_ticket_fee: z.number().int().min(0).max(10_000_000).default(2500),
}).strict();

export interface LotTicketPolicy {
  exitGraceMinutes: number;
  /** minor units */
  lostTicketFeeMinor: number;
}

const defaults: LotTicketPolicy = { exitGraceMinutes: 15, lostTicketFeeMinor: 2500 };

/** From `lots.policy` as stored; unreadable: the defaults. */
export function lotTicketPolicy(policy: Record<string, unknown> | null | undefined): LotTicketPolicy {
  const parsed = ticketPolicySchema.optional().safeParse(policy?.tickets);
  if (!parsed.success || !parsed.data) return defaults;
  return { exitGraceMinutes: parsed.data.exit_grace_minutes, lostTicketFeeMinor: parsed.data.lost_ticket_fee };
}
