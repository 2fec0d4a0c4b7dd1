// Printing: a table or lines for people, JSON for scripts. Data is gathered first, then printed
// (shadcn's collectInfo pattern), so --json and the table always show the same facts.
// Control characters in shown text are escaped here, once for every command (core/control-characters.ts).
import { escapeControlCharacters, escapeControlCharactersInBlock } from '../core/control-characters.js';

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | null | undefined;
  /** right-align numbers */
  align?: 'left' | 'right';
}

export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((c) => escapeControlCharacters(String(c.value(row) ?? ''))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) =>
    values.map((v, i) => (columns[i]!.align === 'right' ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(columns.map((c) => c.header.toUpperCase())), ...cells.map(line)].join('\n');
}

/** "Key: value" lines, keys aligned. */
export function renderFields(fields: readonly [string, string | number | null | undefined][]): string {
  const width = Math.max(...fields.map(([k]) => k.length));
  return fields
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${(k + ':').padEnd(width + 1)} ${escapeControlCharacters(String(v ?? '-'))}`)
    .join('\n');
}

export function csvCell(value: unknown): string {
  const s = value instanceof Date ? value.toISOString() : value === null || value === undefined ? '' : String(value);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function renderCsv<T>(rows: readonly T[], columns: readonly { header: string; value: (row: T) => unknown }[]): string {
  return [columns.map((c) => csvCell(c.header)).join(','), ...rows.map((r) => columns.map((c) => csvCell(c.value(r))).join(','))].join('\n');
}

export class Output {
  constructor(
    readonly json: boolean,
    private readonly stdout: (text: string) => void = (t) => process.stdout.write(t),
    private readonly stderr: (text: string) => void = (t) => process.stderr.write(t),
  ) {}

  /** Print `data` as JSON under --json, else what `human` renders (control characters escaped either way). */
  result<T>(data: T, human: (data: T) => string): void {
    if (this.json) this.stdout(toSafeJson(data) + '\n');
    else this.stdout(escapeControlCharactersInBlock(human(data)) + '\n');
  }

  /** Raw text on stdout (CSV, completion scripts). */
  raw(text: string): void {
    this.stdout(text.endsWith('\n') ? text : text + '\n');
  }

  /** Progress and notes for people: stderr, never mixed into data. */
  note(text: string): void {
    this.stderr(escapeControlCharactersInBlock(text) + '\n');
  }
}

/**
 * JSON.stringify escapes C0 characters but writes C1 ones (U+0080-U+009F, e.g. the 8-bit CSI U+009B)
 * as they are; as \u escapes they parse back to the same value and do nothing to a terminal.
 */
export function toSafeJson(data: unknown): string {
  return JSON.stringify(data, null, 2).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function formatTime(d: Date | null | undefined, timeZone?: string): string {
  if (!d) return '-';
  if (!timeZone) return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const parts = new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }).format(d);
  return parts.replace(',', '');
}
