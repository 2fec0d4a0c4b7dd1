// How a lot treats permits (lot file):
//   policy:
//     permits: { entry_grace_minutes: 15, payment_grace_days: 3, reserved_spots: 20 }
// entry_grace_minutes: how long before a permit's window opens the gate admits it; payment_grace_days:
// how long after the paid period ends it still does; reserved_spots: places kept for permit cars that are
// not inside yet, taken off what capacity sells (a number for regular spots, or per vehicle type).
import type { PermitPolicy } from '../gate/permit-entry.js';
import type { VehicleType } from '../pricing/vehicle-types.js';
import { intIn, isJsonObject, objectWith, orDefault, readOrNull } from '../json/read.js';

export interface LotPermitPolicy {
  entryGraceMinutes: number;
  paymentGraceDays: number;
  /** per vehicle type */
  reservedSpots: Partial<Record<VehicleType, number>>;
}

const defaults: LotPermitPolicy = { entryGraceMinutes: 15, paymentGraceDays: 3, reservedSpots: {} };

/** From `lots.policy` as stored; unreadable: the defaults, nothing reserved (lots/policy-schemas.ts's permitPolicySchema, read without zod). */
export function lotPermitPolicy(policy: Record<string, unknown> | null | undefined): LotPermitPolicy {
  const section = policy?.permits;
  if (section === undefined) return defaults;
  return readOrNull(() => {
    const p = objectWith(section, ['entry_grace_minutes', 'payment_grace_days', 'reserved_spots'], 'permits');
    const places = (v: unknown) => intIn(v, 0, 100_000, 'permits.reserved_spots');
    const r = orDefault<number | Record<string, number>>(p.reserved_spots, 0, (v) =>
      isJsonObject(v) ? Object.fromEntries(Object.entries(v).map(([type, n]) => [type, places(n)])) : places(v));
    return {
      entryGraceMinutes: orDefault(p.entry_grace_minutes, 15, (v) => intIn(v, 0, 1440, 'permits.entry_grace_minutes')),
      paymentGraceDays: orDefault(p.payment_grace_days, 3, (v) => intIn(v, 0, 365, 'permits.payment_grace_days')),
      reservedSpots: typeof r === 'number' ? (r > 0 ? { regular: r } : {}) : (r as Partial<Record<VehicleType, number>>),
    };
  }) ?? defaults;
}

export function gatePermitPolicy(policy: Record<string, unknown> | null | undefined, timeZone: string): PermitPolicy {
  const p = lotPermitPolicy(policy);
  return { timeZone, entryGraceMinutes: p.entryGraceMinutes, paymentGraceDays: p.paymentGraceDays };
}
