import { UsageError } from '../core/errors.js';

/** A whole-number option, at least `min` (default 1): one line with an example otherwise. */
export function wholeNumberOption(value: string, flag: string, min = 1, example = 16): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new UsageError(`${flag} "${value}" is not a whole number${min === 1 ? ' above 0' : ` >= ${min}`}`, { hint: `e.g. ${flag} ${example}`, code: 'bad_number' });
  }
  return n;
}
