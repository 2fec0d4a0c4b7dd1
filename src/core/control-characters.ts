// Control characters (C0, DEL, C1) in text that reaches a terminal are instructions to it: ESC [ ...
// moves the cursor, clears the screen, rewrites what an attendant reads. Text from people and files
// (plates, lot names, reasons, file paths) is refused where it comes in when it holds one, and
// escaped wherever it is shown: one function, used by the table renderer, the error handler and
// the dashboard, so no command has to remember.
import { UsageError } from './errors.js';

/* eslint-disable no-control-regex -- matching control characters is what this module is for */

/** C0 (U+0000-U+001F), DEL (U+007F) and C1 (U+0080-U+009F). */
const controlCharacter = /[\u0000-\u001f\u007f-\u009f]/;
const controlCharacters = /[\u0000-\u001f\u007f-\u009f]/g;
/** The same, except line feed and tab: for multi-line text we lay out ourselves. */
const controlCharactersButLayout = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** "\x1b" for C0 and DEL, "\u009b" for C1: visible, unambiguous, and inert on any terminal. */
function escapeOne(c: string): string {
  const code = c.charCodeAt(0);
  return code < 0x80 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Every control character shown as an escape (a value in a cell or a one-line message). */
export function escapeControlCharacters(text: string): string {
  return text.replace(controlCharacters, escapeOne);
}

/** Like escapeControlCharacters, keeping line feeds and tabs (whole rendered blocks, stack traces). */
export function escapeControlCharactersInBlock(text: string): string {
  return text.replace(controlCharactersButLayout, escapeOne);
}

export function hasControlCharacter(text: string): boolean {
  return controlCharacter.test(text);
}

/**
 * Input check: refuses `value` (exit 2, with a hint) when it holds a control character. `what` names
 * the input in the message ("--reason", "plate").
 */
export function refuseControlCharacters(value: string, what: string): string {
  if (hasControlCharacter(value)) {
    throw new UsageError(`${what} "${escapeControlCharacters(value)}" contains a control character`, {
      hint: 'type it as plain text: no escape sequences, tabs or line breaks',
      code: 'control_character',
    });
  }
  return value;
}

/** A copy of `value` with every string in it (plain objects and arrays, recursively) escaped. Dates and other objects are kept. */
export function escapeStringsDeep<T>(value: T): T {
  if (typeof value === 'string') return escapeControlCharacters(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => escapeStringsDeep(item)) as T;
  if (value !== null && typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeStringsDeep(v)])) as T;
  }
  return value;
}
