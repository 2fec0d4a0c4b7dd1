// The vehicle types a lot sells spots for. Mirrors the `vehicle_type` enum in migrations/0001_core_schema.sql:
// add a type there first, then here.

export const vehicleTypes = ['motorcycle', 'compact', 'regular', 'large', 'ev', 'accessible'] as const;

export type VehicleType = (typeof vehicleTypes)[number];

export function isVehicleType(value: unknown): value is VehicleType {
  return typeof value === 'string' && (vehicleTypes as readonly string[]).includes(value);
}
