// Every command that takes an id takes a unique prefix of it, as git does (issue 13): `booking show
// 8f83a1` finds the one reservation whose id starts so; two or more is bad input that lists them
// (exit 2); none is not found (exit 4). The short ids in tables are such prefixes.
import { NotFoundError, UsageError } from '../errors.js';
import type { Queryable } from '../ports.js';
import { selectIdsInRange, type IdKind } from '../sql/id-prefix.js';

/** The fewest hex digits a prefix must have (git's minimum). */
export const minPrefixLength = 4;
/** The ids an ambiguous prefix lists. */
const shownMatches = 5;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const nouns: Record<IdKind, string> = { reservation: 'reservation', visit: 'visit', payment: 'payment' };

function describeKinds(kinds: readonly IdKind[]): string {
  return kinds.map((k) => nouns[k]).join(' or ');
}

/** "8f83-a1" -> its hex digits, or null when it is not the start of a uuid as printed. */
function prefixDigits(text: string): string | null {
  if (!/^[0-9a-f-]+$/.test(text)) return null;
  // dashes only where a uuid has them (after 8, 12, 16 and 20 digits)
  const groups = text.split('-');
  const sizes = [8, 4, 4, 4, 12];
  if (groups.length > 5 || groups.some((g, i) => g.length > sizes[i]! || (i < groups.length - 1 && g.length !== sizes[i]))) return null;
  return groups.join('');
}

/** The uuid range a prefix covers: 8f83 -> 8f830000-0000-0000-0000-000000000000 .. 8f83ffff-ffff-ffff-ffff-ffffffffffff. */
export function prefixRange(digits: string): [string, string] {
  const asUuid = (hex: string) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return [asUuid(digits.padEnd(32, '0')), asUuid(digits.padEnd(32, 'f'))];
}

/**
 * The refusal of something that is no id nor a prefix of one, for every resource: it says what an id
 * prefix is (hex digits, at least minPrefixLength of them), so "2aa" reads as too short, not as wrong.
 */
export function badIdPrefix(input: string, what: string, code: string, seeThem?: string): UsageError {
  const text = input.trim().toLowerCase();
  const digits = prefixDigits(text);
  const why = digits !== null && digits.length < minPrefixLength
    ? `: a prefix needs at least ${minPrefixLength} characters`
    : ` nor a prefix of one (at least ${minPrefixLength} hex digits 0-9, a-f)`;
  return new UsageError(`${JSON.stringify(input.slice(0, 40))} is not a ${what} id${why}`, {
    hint: `give the id, or its first ${minPrefixLength} or more characters, as printed (e.g. 3f2b1c9e)${seeThem ? `; ${seeThem}` : ''}`, code,
  });
}

export interface ResolvedId {
  kind: IdKind;
  id: string;
}

/**
 * The full id that `input` (a whole id or a unique prefix of at least four hex digits) names among
 * `kinds`. UsageError (exit 2) for something that is no id or an ambiguous prefix, NotFoundError
 * (exit 4) when nothing starts so. A whole id is returned as typed (lower case) without a lookup:
 * the command's own lookup says when it does not exist.
 */
export async function resolveIdPrefix(db: Queryable, kinds: readonly IdKind[], input: string): Promise<ResolvedId> {
  const text = input.trim().toLowerCase();
  const what = describeKinds(kinds);
  if (uuidPattern.test(text)) return { kind: kinds[0]!, id: text };
  const digits = prefixDigits(text);
  if (digits === null || digits.length < minPrefixLength) {
    throw badIdPrefix(input, what, `bad_${kinds[0]}_id`);
  }
  const [low, high] = prefixRange(digits);
  const matches = await selectIdsInRange(db, kinds, low, high, shownMatches);
  if (matches.length === 0) {
    throw new NotFoundError(`no ${what} id starts with ${text}`, { hint: 'check the id, e.g. in parkctl booking list', code: `unknown_${kinds[0]}` });
  }
  if (matches.length > 1) {
    const total = matches[0]!.total;
    const list = matches.map((m) => m.id.slice(0, Math.max(12, digits.length + 4))).join(', ');
    throw new UsageError(`ambiguous prefix ${text}, matches ${total}: ${list}${total > matches.length ? ', ...' : ''}`, {
      hint: 'type more of the id', code: 'ambiguous_id',
    });
  }
  return { kind: matches[0]!.kind, id: matches[0]!.id };
}

/** resolveIdPrefix for one kind, returning just the id. */
export async function resolveId(db: Queryable, kind: IdKind, input: string): Promise<string> {
  return (await resolveIdPrefix(db, [kind], input)).id;
}
