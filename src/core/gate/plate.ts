// Plates are compared normalised (DESIGN.md invariant 2): upper-case, no spaces or dashes.

/** Longest plate we accept after normalising; anything longer is a misread or garbage. */
export const maxPlateLength = 12;

/**
 * "ab-12 cd" -> "AB12CD". Strips spaces, dashes, dots and any other non A-Z0-9 character
 * (plate readers emit "·" and "_" too). Returns null when nothing plausible is left.
 */
export function normalisePlate(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const plate = raw.toUpperCase().replace(/[^A-Z0-9]/g, '');
  if (plate.length < 2 || plate.length > maxPlateLength) return null;
  return plate;
}
