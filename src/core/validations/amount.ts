// What a validation takes off a fee: pure, shared by the desk (./validations.ts) and the exit lane
// (src/core/gate/decide.ts, offline). Never more than is owed, so a fee never goes below zero.
import type { ValidationKind } from '../sql/validations.js';

/** `baseMinor` is the whole fee (a percent is of it), `dueMinor` what is still owed; `freeHours` is what that many free hours are worth (the price they take off). */
export function validationAmount(v: { kind: ValidationKind; value: number }, baseMinor: number, dueMinor: number, freeHours: (hours: number) => number | null): number {
  let off: number;
  if (v.kind === 'percent') off = Math.floor((baseMinor * v.value) / 100);
  else if (v.kind === 'amount') off = v.value;
  else off = freeHours(v.value) ?? 0;
  return Math.max(0, Math.min(off, dueMinor));
}

/** A validator's sticker or stamp QR holds `V1/<CODE>`. Null: not a validation code. */
export function parseValidationCode(code: string): string | null {
  const m = /^V1\/([A-Za-z0-9][A-Za-z0-9-]{1,31})$/.exec(code.trim());
  return m ? m[1]!.toUpperCase() : null;
}
