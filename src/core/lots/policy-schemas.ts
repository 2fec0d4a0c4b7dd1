// The checked sections of a lot file's `policy:` (lot-file.ts), in zod. What they accept is stored in
// lots.policy and read back without zod by each section's reader (permits/policy.ts, tickets/policy.ts,
// lots/early-entry.ts; json/read.ts says why), which must agree with these: test/stored-settings.test.ts.
import { z } from 'zod';

/** `policy.permits`: entry grace, payment grace, places kept for permit cars (a number, or per vehicle type). */
export const permitPolicySchema = z.object({
  entry_grace_minutes: z.number().int().min(0).max(1440).default(15),
  payment_grace_days: z.number().int().min(0).max(365).default(3),
  reserved_spots: z.union([z.number().int().min(0).max(100_000), z.record(z.string(), z.number().int().min(0).max(100_000))]).default(0),
}).strict();

/** `policy.tickets`: how long a paid ticket may take to the exit, what a lost one costs (minor units). */
export const ticketPolicySchema = z.object({
  exit_grace_minutes: z.number().int().min(0).max(24 * 60).default(15),
  lost_ticket_fee: z.number().int().min(0).max(10_000_000).default(2500),
}).strict();

/** `policy.early_entry`: refuse a car before its entry opens, or let it in with a fee. */
export const earlyEntrySchema = z.object({
  /** refuse: too early is too early (the attendant may still override); fee: let it in, the early time owed at exit */
  mode: z.enum(['refuse', 'fee']).default('refuse'),
  /** how long before entry opens a car may come in under `fee`, minutes */
  max_minutes: z.number().int().min(1).max(1440).default(240),
}).strict();
