// Integer money arithmetic. Results are never floats: every division is an exact integer division with
// round half up, done once per documented step (see quote.ts).

/** Largest operand we accept before a product could lose precision in a double. */
const maxSafe = Number.MAX_SAFE_INTEGER;

/** round(numerator / denominator), halves up, for numerator >= 0 and denominator > 0, both integers. */
export function divideRoundHalfUp(numerator: number, denominator: number): number {
  if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator) || numerator < 0 || denominator <= 0) {
    throw new RangeError(`divideRoundHalfUp needs safe integers >= 0 / > 0, got ${numerator} / ${denominator}`);
  }
  const doubled = numerator * 2 + denominator;
  if (doubled > maxSafe) throw new RangeError(`amount too large to price exactly: ${numerator} / ${denominator}`);
  const divisor = denominator * 2;
  return (doubled - (doubled % divisor)) / divisor;
}

/** amountMinor * basisPoints / 10000, halves up. */
export function applyBasisPoints(amountMinor: number, basisPoints: number): number {
  return divideRoundHalfUp(amountMinor * basisPoints, 10_000);
}
