// Money for people: integer minor units to text, never through floating point.

const digitsByCurrency = new Map<string, number>();

/** Minor-unit digits of a currency (JPY 0, GBP 2, KWD 3); building an Intl formatter is slow, so once each. */
function fractionDigits(code: string): number {
  let digits = digitsByCurrency.get(code);
  if (digits === undefined) {
    try {
      digits = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      digits = 2; // unknown code: two digits, the common case
    }
    digitsByCurrency.set(code, digits);
  }
  return digits;
}

/** "12.50 EUR" from integer minor units, without floating point. */
export function formatMinorAmount(amountMinor: number, currency: string): string {
  const code = currency.toUpperCase();
  const digits = fractionDigits(code);
  const sign = amountMinor < 0 ? '-' : '';
  const abs = String(Math.abs(amountMinor)).padStart(digits + 1, '0');
  const whole = abs.slice(0, abs.length - digits);
  const fraction = digits > 0 ? `.${abs.slice(abs.length - digits)}` : '';
  return `${sign}${whole}${fraction} ${code}`;
}

/**
 * "345.50" (major units, as people count cash) to integer minor units for a currency, without floating
 * point. Null when it is not an amount: a sign, more fraction digits than the currency has, letters.
 */
export function parseMajorAmount(input: string, currency: string): number | null {
  const digits = fractionDigits(currency.toUpperCase());
  const m = /^(\d{1,13})(?:[.,](\d+))?$/.exec(input.trim());
  if (!m) return null;
  const fraction = m[2] ?? '';
  if (fraction.length > digits) return null;
  const minor = Number(m[1]) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0');
  return Number.isSafeInteger(minor) ? minor : null;
}
