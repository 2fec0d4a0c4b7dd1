// Id tags (OCPP 1.6 IdToken: CiString20). A driver authorises charging with their booking's or permit's
// tag (printed on the booking, sent to the app), the attendant with the visit's:
//   R-<first 16 hex digits of the reservation id>   a booking
//   P-<first 16 hex digits of the permit id>        a permit
//   V-<first 16 hex digits of the visit id>         a car inside (attendant's remote start)
// 64 bits of a random uuid make a clash in one lot vanishingly rare; a clash is refused (Invalid), not guessed.

export type IdTagKind = 'booking' | 'permit' | 'visit';

const prefixes: Record<IdTagKind, string> = { booking: 'R', permit: 'P', visit: 'V' };

export function idTagFor(kind: IdTagKind, uuid: string): string {
  return `${prefixes[kind]}-${uuid.replace(/-/g, '').slice(0, 16).toUpperCase()}`;
}

export interface ParsedIdTag {
  kind: IdTagKind;
  /** the smallest and largest uuid with those 16 hex digits */
  lo: string;
  hi: string;
}

const asUuid = (hex: string) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`.toLowerCase();

/** null: not one of ours (answered Invalid). */
export function parseIdTag(tag: string): ParsedIdTag | null {
  const m = /^([RPV])-([0-9A-Fa-f]{16})$/.exec(tag.trim());
  if (!m) return null;
  const kind = (Object.entries(prefixes).find(([, p]) => p === m[1]!.toUpperCase())?.[0] ?? 'booking') as IdTagKind;
  return { kind, lo: asUuid(m[2]! + '0'.repeat(16)), hi: asUuid(m[2]! + 'f'.repeat(16)) };
}
