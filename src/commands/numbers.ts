import { UsageError } from '../core/errors.js';

/** The largest whole number an option takes unless it says otherwise: PostgreSQL's `integer` (2^31 - 1). */
export const maxInt32 = 2_147_483_647;

/**
 * A whole-number option from `min` (default 1) to `max` (default 2^31 - 1, what the database's
 * `integer` holds): one line with an example otherwise. Digits only: "1e3", "0x10", "1.0" and " 5" are
 * refused rather than read as something the person did not type.
 */
export function wholeNumberOption(value: string, flag: string, min = 1, example = 16, max = maxInt32): number {
  const n = /^\d{1,16}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === maxInt32 ? (min === 1 ? ' above 0' : ` >= ${min}`) : ` from ${min} to ${max}`;
    throw new UsageError(`${flag} "${value}" is not a whole number${range}${n > max && max === maxInt32 ? ` (at most ${max})` : ''}`, { hint: `e.g. ${flag} ${example}`, code: 'bad_number' });
  }
  return n;
}
