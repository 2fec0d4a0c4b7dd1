// How a lot treats permits (lot file):
//   policy:
//     permits: { entry_grace_minutes: 15, payment_grace_days: 3, reserved_spots: 20 }
// entry_grace_minutes: how long before a permit's window opens the gate admits it; payment_grace_days:
// how long after the paid period ends it still does; reserved_spots: places kept for permit cars that are
// not inside yet, taken off what capacity sells (a number for regular spots, or per vehicle type).
import { z } from 'zod';
import type { PermitPolicy } from '../gate/permit-entry.js';
import type { VehicleType } from '../pricing/vehicle-types.js';

export const permitPolicySchema = z.object({
  entry_grace_minutes: z.number().int().min(0).max(1440).default(15),
  payment_grace_days: z.number().int().min(0).max(365).default(3),
  reserved_spots: z.union([z.number().int().min(0).max(100_000), z.record(z.string(), z.number().int().min(0).max(100_000))]).default(0),
}).strict();

export interface LotPermitPolicy {
  entryGraceMinutes: number;
  paymentGraceDays: number;
  /** per vehicle type */
  reservedSpots: Partial<Record<VehicleType, number>>;
}

const defaults: LotPermitPolicy = { entryGraceMinutes: 15, paymentGraceDays: 3, reservedSpots: {} };

/** From `lots.policy` as stored; unreadable: the defaults, nothing reserved. */
export function lotPermitPolicy(policy: Record<string, unknown> | null | undefined): LotPermitPolicy {
  const parsed = permitPolicySchema.optional().safeParse(policy?.permits);
  if (!parsed.success || !parsed.data) return defaults;
  const r = parsed.data.reserved_spots;
  return {
    entryGraceMinutes: parsed.data.entry_grace_minutes,
    paymentGraceDays: parsed.data.payment_grace_days,
    reservedSpots: typeof r === 'number' ? (r > 0 ? { regular: r } : {}) : (r as Partial<Record<VehicleType, number>>),
  };
}

export function gatePermitPolicy(policy: Record<string, unknown> | null | undefined, timeZone: string): PermitPolicy {
  const p = lotPermitPolicy(policy);
  return { timeZone, entryGraceMinutes: p.entryGraceMinutes, paymentGraceDays: p.paymentGraceDays };
}
