// Colour for states in tables (issue 13): good green, bad red, waiting yellow. Only on a terminal and
// never with NO_COLOR (https://no-color.org); the word is always there, so nothing reads by colour alone.
// cli-table3 lays coloured cells out by their visible width. The drawn table is then escaped of control
// characters as a whole (output.ts), so its colours travel as private-use marks (colourMarks) that
// survive the escaping, and become SGR codes again after it (applyColourMarks).
const green = (s: string) => `\u001b[32m${s}\u001b[39m`;
const red = (s: string) => `\u001b[31m${s}\u001b[39m`;
const yellow = (s: string) => `\u001b[33m${s}\u001b[39m`;
const toMark: Record<string, string> = { '\u001b[32m': '\ue000', '\u001b[31m': '\ue001', '\u001b[33m': '\ue002', '\u001b[39m': '\ue003' };
const sgr: Record<string, string> = Object.fromEntries(Object.entries(toMark).map(([code, m]) => [m, code]));

/** A drawn table's colours (cells are escaped before, so every SGR code in it is ours) as marks. */
export function colourMarks(text: string): string {
  return text.replace(/\u001b\[3[1239]m/g, (code) => toMark[code]!);
}

/** Text shown in a table carries no colour marks of its own. */
export function withoutColourMarks(text: string): string {
  return text.replace(/[\ue000-\ue003]/g, '');
}

/** The marks as terminal colours (`on`), or dropped. */
export function applyColourMarks(text: string, on: boolean): string {
  return text.replace(/[\ue000-\ue003]/g, (m) => (on ? sgr[m]! : ''));
}

const tones: Record<string, (s: string) => string> = {};
for (const w of ['confirmed', 'checked_in', 'completed', 'paid', 'succeeded', 'active', 'open', 'allowed', 'allow', 'settled', 'refunded', 'online']) tones[w] = green;
for (const w of ['refused', 'refuse', 'denied', 'expired', 'failed', 'no_show', 'cancelled', 'closed', 'closed-to-all', 'full', 'revoked', 'lapsed', 'offline', 'void', 'unpaid', 'malformed']) tones[w] = red;
for (const w of ['due', 'held', 'tentative', 'pending', 'processing', 'maintenance', 'unknown', 'suspended', 'conflict', 'overstay']) tones[w] = yellow;

/** The state word in its colour; any other text as it is. */
export function colourState(text: string): string {
  const tone = tones[text.trim().toLowerCase()];
  return tone ? tone(text) : text;
}
