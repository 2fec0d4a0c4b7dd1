// Colour in one place. With colour off (NO_COLOR, read by src/config.ts) components pass no colour
// props at all, and every state is also spelled in words ("OFFLINE", "reconnecting...", "›").

/** What a piece of text means; the colour follows from it. */
export type Tone = 'ok' | 'warn' | 'bad' | 'muted' | 'accent';

const toneColors: Record<Tone, string> = {
  ok: 'green',
  warn: 'yellow',
  bad: 'red',
  muted: 'gray',
  accent: 'cyan',
};

/** Props to spread on <Text>: `{ color }` when colour is on, nothing when it is off. */
export function toneProps(color: boolean, tone: Tone | undefined): { color?: string } {
  if (!color || tone === undefined) return {};
  return { color: toneColors[tone] };
}

/** Props for the highlighted (selected) row: inverse when colour is on; the "›" marker carries it otherwise. */
export function selectedProps(color: boolean, selected: boolean): { inverse?: boolean } {
  return color && selected ? { inverse: true } : {};
}
