// How a lot treats paper tickets (lot file):
//   policy:
//     tickets: { exit_grace_minutes: 15, lost_ticket_fee: 2500 }
// exit_grace_minutes: how long a paid ticket may take to reach the exit; lost_ticket_fee: what a lost
// ticket costs when no plate read at the entry proves when the car came in (minor units).
import { intIn, objectWith, orDefault, readOrNull } from '../json/read.js';

export interface LotTicketPolicy {
  exitGraceMinutes: number;
  /** minor units */
  lostTicketFeeMinor: number;
}

const defaults: LotTicketPolicy = { exitGraceMinutes: 15, lostTicketFeeMinor: 2500 };

/** From `lots.policy` as stored; unreadable: the defaults (lots/policy-schemas.ts's ticketPolicySchema, read without zod). */
export function lotTicketPolicy(policy: Record<string, unknown> | null | undefined): LotTicketPolicy {
  const section = policy?.tickets;
  if (section === undefined) return defaults;
  return readOrNull(() => {
    const t = objectWith(section, ['exit_grace_minutes', 'lost_ticket_fee'], 'tickets');
    return {
      exitGraceMinutes: orDefault(t.exit_grace_minutes, 15, (v) => intIn(v, 0, 24 * 60, 'tickets.exit_grace_minutes')),
      lostTicketFeeMinor: orDefault(t.lost_ticket_fee, 2500, (v) => intIn(v, 0, 10_000_000, 'tickets.lost_ticket_fee')),
    };
  }) ?? defaults;
}
