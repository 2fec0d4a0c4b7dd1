// Printing: a table or lines for people, JSON (YAML, CSV) for scripts. Data is gathered first, then printed
// (shadcn's collectInfo pattern), so -o json and the table always show the same facts.
// Control characters in shown text are escaped here, once for every command (core/control-characters.ts).
// The global -o/--output, --fields, --no-headers and -q act here, so every command that prints through
// Output.result gets them (README "Output").
import { spawnSync } from 'node:child_process';
import { csvStringifyModule } from './lazy-modules.js';
import { escapeControlCharacters, escapeControlCharactersInBlock } from '../core/control-characters.js';
import { envelopeRows, idLines, tableRecords, recordCells, selectFields, toCsv, toYaml, type OutputFormat } from './output-formats.js';
import { applyColourMarks } from './colour.js';
import { zoneAbbreviation } from '../core/time/abbreviations.js';
import { localTimeType, systemRulesAt } from '../core/time/system-zones.js';
import { plainTableStyle, renderTable, withTableStyle, type Column, type TableStyle } from './table.js';

export { zoneAbbreviation };

export { renderTable, type Column } from './table.js';
export type { OutputFormat } from './output-formats.js';

/** "Key: value" lines, keys aligned. */
export function renderFields(fields: readonly [string, string | number | null | undefined][]): string {
  const width = Math.max(...fields.map(([k]) => k.length));
  return fields
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${(k + ':').padEnd(width + 1)} ${escapeControlCharacters(String(v ?? '-'))}`)
    .join('\n');
}

/** One CSV cell (csv-stringify's quoting); Dates as ISO UTC. */
export function csvCell(value: unknown): string {
  const s = value instanceof Date ? value.toISOString() : value === null || value === undefined ? '' : String(value);
  return csvStringifyModule().stringify([[s]], { record_delimiter: 'unix' }).replace(/\n$/, '');
}

/** CSV with a header line, by csv-stringify; Dates as ISO UTC. */
export function renderCsv<T>(rows: readonly T[], columns: readonly { header: string; value: (row: T) => unknown }[]): string {
  const cell = (v: unknown) => (v instanceof Date ? v.toISOString() : v === null || v === undefined ? '' : String(v));
  return csvStringifyModule().stringify([columns.map((c) => c.header), ...rows.map((r) => columns.map((c) => cell(c.value(r))))], { record_delimiter: 'unix' }).replace(/\n$/, '');
}

export interface OutputOptions {
  /** -o: table (default), wide, json, yaml or csv */
  format?: OutputFormat;
  /** --fields: JSON field names to show, in order */
  fields?: readonly string[] | null;
  /** false: --no-headers */
  headers?: boolean;
  /** -q: ids only, one a line */
  quiet?: boolean;
  /** the width tables fit in; null: no limit (stdout is not a terminal and COLUMNS is unset) */
  width?: number | null;
  /** colour states in tables (a terminal, NO_COLOR unset) */
  colour?: boolean;
  /** the pager command for long tables on a terminal ($PAGER, default `less -FRX`); null: none */
  pager?: string | null;
  /** the terminal's height: a table longer than this goes through the pager */
  rows?: number | null;
}

export interface ResultOptions {
  /** the field -q prints (default: id, else the first ...Id field, else code) */
  id?: string;
}

export class Output {
  readonly format: OutputFormat;
  readonly fields: readonly string[] | null;
  readonly headers: boolean;
  readonly quiet: boolean;
  private pager: string | null;

  /** the width tables and charts fit in; null: no limit */
  get width(): number | null {
    return this.options.width ?? null;
  }

  constructor(
    /** structured output (json, yaml or csv): commands leave out their notes for people */
    readonly json: boolean,
    private readonly stdout: (text: string) => void = (t) => process.stdout.write(t),
    private readonly stderr: (text: string) => void = (t) => process.stderr.write(t),
    private readonly options: OutputOptions = {},
  ) {
    this.format = options.format ?? (json ? 'json' : 'table');
    this.json = json || this.format === 'json' || this.format === 'yaml' || this.format === 'csv';
    this.fields = options.fields ?? null;
    this.headers = options.headers ?? true;
    this.quiet = options.quiet ?? false;
    this.pager = options.pager ?? null;
  }

  /** How tables are drawn for this run. */
  get tableStyle(): TableStyle {
    const wide = this.format === 'wide';
    return { width: wide ? null : (this.options.width ?? null), wide, headers: this.headers, colour: Boolean(this.options.colour), fields: this.fields };
  }

  /** No pager for the rest of the run (--watch redraws the screen itself). */
  noPager(): void {
    this.pager = null;
  }

  /**
   * Print `data` (its JSON shape) in the format asked for: -o json|yaml|csv from the data, -q its ids,
   * else the table or lines `human` renders (control characters escaped either way).
   */
  result<T>(data: T, human: (data: T) => string, opts: ResultOptions = {}): void {
    if (this.quiet) {
      const ids = idLines(data, opts.id);
      if (ids !== null) return this.stdout(escapeControlCharactersInBlock(ids));
    }
    if (this.format === 'json') return this.stdout(toSafeJson(selectFields(data, this.fields)) + '\n');
    if (this.format === 'yaml') return this.stdout(toYaml(data, this.fields));
    if (this.format === 'csv') return this.stdout(toCsv(data, this.fields, this.headers));
    const style = this.tableStyle;
    const own = withTableStyle(style, () => human(data));
    const envelope = envelopeRows(data);
    let text = own.value;
    if (this.fields && !own.fieldsShown && !(Array.isArray(data) && data.length === 0)) {
      // --fields that no one table of the command's own could show: a table of those fields of the data
      text = withTableStyle({ ...style, fields: null }, () => fieldsTable(data, this.fields!)).value;
    } else if (style.wide && !this.fields && own.tables > 0 && !own.wideMarked && Array.isArray(data) && data.length > 0) {
      // -o wide of a list whose table marks no wide columns: every field of the resource
      text = withTableStyle({ ...style, fields: null }, () => fieldsTable(data, null)).value;
    } else if (envelope && own.drawn.length > 0) {
      // an envelope (a title, a table of rows, totals): -o wide of one whose table marks no wide columns shows
      // its rows with every field; --no-headers prints only the rows
      const wideRows = style.wide && own.drawn.length === 1 && !own.wideMarked && envelope.length > 0 && own.value.includes(own.drawn[0]!)
        ? withTableStyle({ ...style, fields: null }, () => fieldsTable(data, null)).value : null;
      if (!style.headers) text = wideRows ?? own.drawn.join('\n');
      else if (wideRows !== null) text = own.value.replace(own.drawn[0]!, () => wideRows);
    }
    this.page(applyColourMarks(escapeControlCharactersInBlock(text), style.colour) + '\n');
  }

  /** A table drawn in this run's style, outside result() (a report printed with raw()). */
  table<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
    return applyColourMarks(withTableStyle(this.tableStyle, () => renderTable(rows, columns)).value, this.tableStyle.colour);
  }

  /** Raw text on stdout (CSV, completion scripts). */
  raw(text: string): void {
    this.stdout(text.endsWith('\n') ? text : text + '\n');
  }

  /** A progress frame on stderr, as it is (a spinner's \r and erase-line codes): not escaped, no line end. */
  progress(text: string): void {
    this.stderr(text);
  }

  /** Progress and notes for people: stderr, never mixed into data. */
  note(text: string): void {
    this.stderr(escapeControlCharactersInBlock(text) + '\n');
  }

  /** Text longer than the terminal goes through the pager; anything else (or a pager that fails) straight out. */
  private page(text: string): void {
    const rows = this.options.rows ?? null;
    if (this.pager && rows && text.split('\n').length - 1 > rows - 1) {
      const r = spawnSync(this.pager, { shell: true, input: text, stdio: ['pipe', 'inherit', 'inherit'] });
      if (!r.error && r.status === 0) return;
    }
    this.stdout(text);
  }
}

/** --fields in a table when the command's own table has no column for one of them: a table of the data's fields. */
function fieldsTable(data: unknown, fields: readonly string[] | null): string {
  const { header, rows } = recordCells(data, fields);
  const zones = tableRecords(data, fields).map((r) => (typeof r === 'object' && r && typeof (r as { timeZone?: unknown }).timeZone === 'string' ? (r as { timeZone: string }).timeZone : undefined));
  const shown = rows.map((r, i) => r.map((v) => (isoInstant.test(v) ? formatTime(new Date(v), zones[i] ?? 'UTC') : v)));
  // a column of times names its zone once, as the commands' own tables do (UTC where a row has no zone)
  const title = (h: string, j: number) => {
    const times = rows.flatMap((r, i) => (isoInstant.test(r[j]!) ? [{ at: new Date(r[j]!), timeZone: zones[i] ?? 'UTC' }] : []));
    return times.length ? timeHeader(h, times) : h;
  };
  return renderTable(shown, header.map((h, j) => ({ header: title(h, j), field: h, value: (r: string[]) => r[j] })));
}

const isoInstant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * JSON.stringify escapes C0 characters but writes C1 ones (U+0080-U+009F, e.g. the 8-bit CSI U+009B)
 * as they are; as \u escapes they parse back to the same value and do nothing to a terminal.
 */
export function toSafeJson(data: unknown): string {
  return JSON.stringify(data, null, 2).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * One convention for times (issue 13): people read them in the lot's zone as "2026-12-05 08:00" (the zone
 * named once, in the header or after the window: zoneAbbreviation); JSON says ISO UTC. No zone: ISO UTC.
 */
export function formatTime(d: Date | null | undefined, timeZone?: string): string {
  if (!d) return '-';
  if (!timeZone) return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const rules = systemRulesAt(timeZone, d);
  if (rules) {
    // the wall clock from the tz database's offset (no ICU: see core/time/tzif.ts), for years 1000-9999
    const wall = new Date(d.getTime() + localTimeType(rules, d).utoff * 1000).toISOString();
    if (/^\d{4}-/.test(wall)) return `${wall.slice(0, 10)} ${wall.slice(11, 16)}`;
  }
  const parts = new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }).format(d);
  return parts.replace(',', '');
}

/** A time for people with its zone named: "2026-12-05 08:00 GMT". */
export function formatLocalTime(d: Date | null | undefined, timeZone: string): string {
  return d ? `${formatTime(d, timeZone)} ${zoneAbbreviation(timeZone, d)}` : '-';
}

/**
 * ISO instants inside a message for people (a payment provider's instructions say "before
 * 2026-12-05T08:15:00.000Z") in the lot's zone, as every other time on the screen.
 */
export function localTimesIn(text: string, timeZone: string): string {
  return text.replace(/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})(?=$|[\s),;.])/g, (iso) => {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? iso : formatLocalTime(d, timeZone);
  });
}

/**
 * A header for a column of times: "from (BST)" when every time shown is in one zone with one
 * abbreviation, else "from (Europe/London)" for one zone across a clock change, else "from (local)"
 * (a list of lots in several zones: each in its own lot's zone).
 */
export function timeHeader(header: string, times: readonly { at: Date | null | undefined; timeZone: string }[]): string {
  const zones = new Set(times.map((t) => t.timeZone));
  if (zones.size === 0) return header;
  if (zones.size > 1) return `${header} (local)`;
  const [zone] = zones as unknown as [string];
  const names = new Set(times.filter((t) => t.at).map((t) => zoneAbbreviation(zone, t.at!)));
  return names.size === 1 ? `${header} (${[...names][0]})` : `${header} (${zone})`;
}

/**
 * FROM and TO columns of a window in its lot's zone: the zone named once in FROM's header, TO only
 * its time when it ends the day it starts ("2026-12-05 08:00" to "12:00"), so a window reads at 80 columns.
 */
export function windowColumns<T>(rows: readonly T[], window: (row: T) => { start: Date; end: Date; timeZone: string }): Column<T>[] {
  const from = timeHeader('from', rows.map((r) => ({ at: window(r).start, timeZone: window(r).timeZone })));
  return [
    { header: from, field: 'start', value: (r) => formatTime(window(r).start, window(r).timeZone) },
    {
      header: 'to', field: 'end', value: (r) => {
        const w = window(r);
        const [s, e] = [formatTime(w.start, w.timeZone), formatTime(w.end, w.timeZone)];
        return s.slice(0, 10) === e.slice(0, 10) ? e.slice(11) : e;
      },
    },
  ];
}

export { plainTableStyle };
