// Colour for states in tables (issue 13): good green, bad red, waiting yellow. Only on a terminal and
// never with NO_COLOR (https://no-color.org); the word is always there, so nothing reads by colour alone.
const green = (s: string) => `\u001b[32m${s}\u001b[39m`;
const red = (s: string) => `\u001b[31m${s}\u001b[39m`;
const yellow = (s: string) => `\u001b[33m${s}\u001b[39m`;

const tones: Record<string, (s: string) => string> = {};
for (const w of ['confirmed', 'checked_in', 'completed', 'paid', 'succeeded', 'active', 'open', 'allowed', 'allow', 'settled', 'refunded', 'online']) tones[w] = green;
for (const w of ['refused', 'refuse', 'denied', 'expired', 'failed', 'no_show', 'cancelled', 'closed', 'closed-to-all', 'full', 'revoked', 'lapsed', 'offline', 'void', 'unpaid', 'malformed']) tones[w] = red;
for (const w of ['due', 'held', 'tentative', 'pending', 'processing', 'maintenance', 'unknown', 'suspended', 'conflict', 'overstay']) tones[w] = yellow;

/** The state word in its colour; any other text as it is. */
export function colourState(text: string): string {
  const tone = tones[text.trim().toLowerCase()];
  return tone ? tone(text) : text;
}
