// A list that stops at its --limit says so on stderr ("showing 200 of 3,113 (--limit to see more)"), so a person
// or a script never takes the first page for the whole answer. stdout (table, --json, --csv) is unchanged.
import type { Output } from './output.js';

/** 3113 -> "3,113": the same in every locale, so scripts and tests can read it. */
export function groupThousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** The one line every list cut at its --limit prints on stderr. */
export function limitNote(shown: number, total: number): string {
  return `showing ${groupThousands(shown)} of ${groupThousands(total)} (--limit to see more)`;
}

/**
 * When `shown` rows filled the limit, ask `countAll` how many match and note it if there are more.
 * Costs one count query only when the list may have been cut.
 */
export async function noteIfLimited(out: Output, shown: number, limit: number, countAll: () => Promise<number>): Promise<void> {
  if (shown < limit) return;
  const total = await countAll();
  if (total > shown) out.note(limitNote(shown, total));
}
