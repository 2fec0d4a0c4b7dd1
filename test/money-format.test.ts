// Money for people (src/core/money-format.ts): the table of minor-unit digits stands in for Intl, which
// is slow to start (issue 13), so it must say what Intl says for every code.
import { describe, expect, it } from 'vitest';
import { formatMinorAmount, fractionDigits, parseMajorAmount } from '../src/core/money-format.js';

describe('money format', () => {
  it('gives every code AAA-ZZZ the minor-unit digits Intl.NumberFormat gives it', () => {
    const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const differ: string[] = [];
    for (const a of letters) for (const b of letters) for (const c of letters) {
      const code = a + b + c;
      const intl = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
      if (fractionDigits(code) !== intl) differ.push(`${code}: ${fractionDigits(code)} against Intl's ${intl}`);
    }
    expect(differ).toEqual([]);
  });

  it('formats and parses by those digits, and takes an unknown code as two', () => {
    expect(formatMinorAmount(1250, 'gbp')).toBe('12.50 GBP');
    expect(formatMinorAmount(1250, 'JPY')).toBe('1250 JPY');
    expect(formatMinorAmount(-5, 'KWD')).toBe('-0.005 KWD');
    expect(formatMinorAmount(7, 'NOTACODE')).toBe('0.07 NOTACODE');
    expect(parseMajorAmount('345.50', 'GBP')).toBe(34_550);
    expect(parseMajorAmount('12.5', 'JPY')).toBeNull();
    expect(parseMajorAmount('1.234', 'BHD')).toBe(1234);
  });
});
