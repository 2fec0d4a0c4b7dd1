// Money for people: integer minor units to text, never through floating point.

/**
 * Minor-unit digits where they are not 2, as Node's ICU (CLDR) gives them to Intl.NumberFormat for every
 * code AAA-ZZZ; test/money-format.test.ts holds this table to Intl. A table because building the first
 * Intl number formatter costs a one-shot command about 8 ms (issue 13).
 */
const digitsNotTwo: Readonly<Record<string, number>> = {
  ADP: 0, AFN: 0, ALL: 0, BHD: 3, BIF: 0, BYR: 0, CLF: 4, CLP: 0, COP: 0, DJF: 0, ESP: 0, GNF: 0, HUF: 0, IDR: 0,
  IQD: 0, IRR: 0, ISK: 0, ITL: 0, JOD: 3, JPY: 0, KMF: 0, KPW: 0, KRW: 0, KWD: 3, LAK: 0, LBP: 0, LUF: 0, LYD: 3,
  MGA: 0, MGF: 0, MMK: 0, MRO: 0, OMR: 3, PKR: 0, PYG: 0, RWF: 0, SLL: 0, SOS: 0, STD: 0, SYP: 0, TMM: 0, TND: 3,
  TRL: 0, UGX: 0, UYI: 0, UYW: 4, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0, YER: 0, ZMK: 0, ZWD: 0,
};

/** Minor-unit digits of a currency (JPY 0, GBP 2, KWD 3); an unknown code has two, the common case. */
export function fractionDigits(code: string): number {
  return Object.hasOwn(digitsNotTwo, code) ? digitsNotTwo[code]! : 2;
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
