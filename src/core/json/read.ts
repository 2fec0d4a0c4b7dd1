// Reading settings back from jsonb columns without zod. What is stored was validated by zod when the lot
// file was imported (lot-file.ts, pricing/schema.ts); a one-shot command reads it again on every run, and
// loading zod and building its schemas costs about as much as the rest of the command's own code (issue
// 13). These readers accept exactly what those schemas accept: test/stored-settings.test.ts checks each
// reader against its schema over generated JSON.

/** A JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A problem at a path: `where` names it the way zod's paths read ("lots.pricing.surcharges[0].add_percent"). */
export class StoredValueError extends Error {
  constructor(readonly where: string, message: string) {
    super(`${where}: ${message}`);
  }
}

/** Only these keys (zod's strict objects). */
export function onlyKeys(obj: Record<string, unknown>, keys: readonly string[], where: string): void {
  for (const key of Object.keys(obj)) {
    if (!keys.includes(key)) throw new StoredValueError(where, `unrecognized key "${key}"`);
  }
}

/** A whole number within [min, max] (zod's z.int().min().max(); z.int() is a safe integer). */
export function intIn(value: unknown, min: number, max: number, where: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new StoredValueError(where, `expected a whole number from ${min} to ${max}`);
  }
  return value;
}

/** A finite number within [min, max]. */
export function numberIn(value: unknown, min: number, max: number, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new StoredValueError(where, `expected a number from ${min} to ${max}`);
  }
  return value;
}

/** `value` read by `read`, or `fallback` when absent (zod's .default()). */
export function orDefault<T>(value: unknown, fallback: T, read: (v: unknown) => T): T {
  return value === undefined ? fallback : read(value);
}

/** An object with only `keys`, else a StoredValueError. */
export function objectWith(value: unknown, keys: readonly string[], where: string): Record<string, unknown> {
  if (!isJsonObject(value)) throw new StoredValueError(where, 'expected an object');
  onlyKeys(value, keys, where);
  return value;
}

/** The reader's answer, or null when the value does not read (for settings that fall back to defaults). */
export function readOrNull<T>(read: () => T): T | null {
  try {
    return read();
  } catch (err) {
    if (err instanceof StoredValueError) return null;
    throw err;
  }
}
