// Keys that arrive together. A kiosk scanner acts as a keyboard and a paste is one write: the plate and
// its Enter reach Ink in one read, and Ink hands them over as one input ("AB123CD\r") with no Enter
// key. Here such a burst is split at its line ends into text and Enter keys, each its own key event, so
// every line is a submission as if typed.
import type { Key } from 'ink';

export type KeyEvent = readonly [input: string, key: Key];

const lineEnds = /\r\n|\r|\n/;

/** The events a burst stands for: text runs and Enters in order (CR LF counts once). One event when it is no burst. */
export function splitBurst(input: string, key: Key): KeyEvent[] {
  if (input.length <= 1 || !lineEnds.test(input)) return [[input, key]];
  const text: Key = { ...key, return: false, ctrl: false, meta: false, shift: false };
  const enter: Key = { ...text, return: true };
  const events: KeyEvent[] = [];
  const lines = input.split(lineEnds);
  lines.forEach((line, index) => {
    if (line !== '') events.push([line, text]);
    if (index < lines.length - 1) events.push(['', enter]);
  });
  return events;
}

/** Text typed into a field: what a burst or a paste carries besides characters (tabs, other controls) is left out. */
export function typedText(input: string): string {
  // eslint-disable-next-line no-control-regex
  return input.replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
}
