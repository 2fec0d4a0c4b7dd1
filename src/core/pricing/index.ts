// The pricing engine: pure functions over a PricingPolicy. See quote.ts for the pricing steps and their rounding,
// segments.ts for how a window is cut and rounded, rule-match.ts for precedence, overstay.ts for exit charges.
export { vehicleTypes, isVehicleType, type VehicleType } from './vehicle-types.js';
export { allWeekdays, dailyMaxFor, type DailyMaximum, type IsoWeekday, type PricingPolicy, type PricingRule, type SurchargeBand } from './policy.js';
// The lot file's pricing section (zod) is in schema.ts, imported where a file is read: a command that only
// reads stored pricing never loads zod (issue 13).
export { maxRatePerHourMinor, policyToSettingsJson, type PricingSettingsJson } from './settings.js';
export { quoteWindow, type Quote, type QuoteDay, type QuoteRequest } from './quote.js';
export type { QuoteSegment } from './segments.js';
export { overstayCharge, type OverstayCharge, type OverstayRequest } from './overstay.js';
