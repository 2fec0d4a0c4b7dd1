// Every refusal is one line of bounded length (issue 13): a 5,000-character input echoed whole, or a
// line break inside a quoted value, made error lines nobody could read and scripts could not parse.
import { escapeControlCharacters } from '../core/control-characters.js';

/** The longest error or hint line parkctl prints, in characters (before the "parkctl: " prefix). */
export const maxLineLength = 300;
/** The longest quoted input kept whole inside a message. */
const maxQuoted = 60;

/** `"xxxx…"` (5,000 characters) -> its first characters, an ellipsis and the length. */
function shortenQuoted(text: string): string {
  return text.replace(/"([^"]{61,})"/g, (_, inner: string) => `"${inner.slice(0, maxQuoted)}…" (${inner.length} characters)`);
}

/** One line: control characters (line breaks included) escaped, long quoted input cut, the whole capped. */
export function oneLine(text: string, max = maxLineLength): string {
  const line = shortenQuoted(escapeControlCharacters(text));
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

interface PgLikeError {
  code?: unknown;
  message?: unknown;
  severity?: unknown;
}

/**
 * A PostgreSQL data exception (SQLSTATE class 22: a NUL byte, a number beyond `integer`, a time out
 * of range, a value that is not of its type) reaching the top came from a value someone gave: bad
 * input (exit 2), not a bug. Null for anything else.
 */
export function dataExceptionMessage(err: unknown): string | null {
  if (!(err instanceof Error)) return null;
  const e = err as PgLikeError;
  if (typeof e.code !== 'string' || !/^22[0-9A-Z]{3}$/.test(e.code) || e.severity === undefined) return null;
  return `a value the database cannot take: ${String(e.message)}`;
}
