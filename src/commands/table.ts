// Tables for people (issue 13): cli-table3, borderless as gh and kubectl print them, sized to the
// terminal. When the natural table is wider than the terminal, the least important columns go first
// (highest `priority`), then the widest cells are cut with an ellipsis. Ids are shown by their first 8
// characters (a unique prefix that every command accepts); `-o wide` shows every column and whole ids.
// How a table is drawn (width, wide, headers, colour, --fields) is set once per result by Output
// (withTableStyle), so every command's existing renderTable call gets it without passing it along.
import { cliTable3 } from './lazy-modules.js';
import { escapeControlCharacters } from '../core/control-characters.js';
import { colourMarks, colourState, withoutColourMarks } from './colour.js';

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | null | undefined;
  /** right-align numbers */
  align?: 'left' | 'right';
  /** shown only with -o wide */
  wide?: true;
  /** 0 or unset: always shown; higher numbers are dropped first when the terminal is too narrow */
  priority?: number;
  /** the JSON field the column shows: `--fields` picks columns by it (else by the header's letters) */
  field?: string;
  /** the cells are ids: their first 8 characters, whole with -o wide (uuids are found without it); false: always whole */
  id?: boolean;
  /** colour the cells as states (green, red, yellow); on by default for a STATUS or STATE column */
  state?: boolean;
}

export interface TableStyle {
  /** the width to fit in; null: no limit (piped, -o wide) */
  width: number | null;
  /** -o wide: every column, whole ids */
  wide: boolean;
  /** false: no header line (--no-headers) */
  headers: boolean;
  /** colour states (a terminal, NO_COLOR unset) */
  colour: boolean;
  /** --fields: the JSON field names to show, in order */
  fields: readonly string[] | null;
}

export const plainTableStyle: TableStyle = { width: null, wide: false, headers: true, colour: false, fields: null };

/** What the tables drawn in a withTableStyle scope did with --fields: Output falls back when they could not. */
interface StyleScope {
  style: TableStyle;
  tables: number;
  fieldsMatched: boolean;
  /** a table drawn had columns marked wide */
  wideMarked: boolean;
  /** the tables drawn, as text */
  drawn: string[];
}

let scope: StyleScope = { style: plainTableStyle, tables: 0, fieldsMatched: false, wideMarked: false, drawn: [] };

/**
 * Draw the tables `fn` renders in `style`; says whether exactly one table showed every --fields field,
 * whether any table had columns marked wide, and the tables' text (--no-headers of an envelope prints only them).
 */
export function withTableStyle<R>(style: TableStyle, fn: () => R): { value: R; fieldsShown: boolean; tables: number; wideMarked: boolean; drawn: string[] } {
  const outer = scope;
  scope = { style, tables: 0, fieldsMatched: false, wideMarked: false, drawn: [] };
  try {
    const value = fn();
    return { value, fieldsShown: scope.tables === 1 && scope.fieldsMatched, tables: scope.tables, wideMarked: scope.wideMarked, drawn: scope.drawn };
  } finally {
    scope = outer;
  }
}

/** The space between two columns. */
const gap = 2;
/** Ids in tables: as many characters as git shows of a commit, and a prefix every command accepts. */
export const shortIdLength = 8;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Times, dates, numbers, amounts ("7.20 GBP") and short ids: cells that mean nothing cut. */
const unbreakable = /^[0-9a-f]{8}$|^[\d\s:.,\-+/%]*( [A-Z]{3})?$/;

const letters = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

function pickColumns<T>(columns: readonly Column<T>[], style: TableStyle): readonly Column<T>[] {
  if (style.fields) {
    const picked = style.fields.map((f) => columns.find((c) => c.field === f) ?? columns.find((c) => !c.field && letters(c.header) === letters(f)));
    if (picked.every((c) => c !== undefined)) {
      scope.fieldsMatched = true;
      return picked as Column<T>[];
    }
  }
  return style.wide ? columns : columns.filter((c) => !c.wide);
}

function cellText<T>(c: Column<T>, row: T, wide: boolean): string {
  const raw = c.value(row);
  const text = withoutColourMarks(escapeControlCharacters(raw === null || raw === undefined ? '' : String(raw)));
  if (wide) return text;
  return (c.id ?? uuidPattern.test(text)) ? text.slice(0, shortIdLength) : text;
}

const total = (widths: readonly number[]) => widths.reduce((a, b) => a + b, 0) + gap * Math.max(0, widths.length - 1);

/**
 * The columns kept and their widths for `width`: drop the least important droppable columns while the
 * natural widths do not fit, then narrow the widest columns (never below their header or 5) one at a time.
 * `fixed` columns (times, numbers, ids: a cut one means nothing) are never narrowed; when even the narrowest
 * table would not fit, nothing is cut (the terminal wraps it).
 */
export function fitColumns(
  natural: readonly number[], headers: readonly number[], priorities: readonly number[], width: number | null, fixed?: readonly boolean[],
): { keep: number[]; widths: number[] } {
  let keep = natural.map((_, i) => i);
  if (width === null) return { keep, widths: [...natural] };
  const droppable = keep.filter((i) => priorities[i]! > 0).sort((a, b) => priorities[b]! - priorities[a]! || b - a);
  for (const i of droppable) {
    if (total(keep.map((k) => natural[k]!)) <= width) break;
    keep = keep.filter((k) => k !== i);
  }
  const widths = keep.map((k) => natural[k]!);
  const floor = keep.map((k) => (fixed?.[k] ? natural[k]! : Math.min(natural[k]!, Math.max(headers[k]!, 5))));
  // cut only when cutting makes it fit: a table that overflows anyway keeps its text whole
  if (total(floor) > width) return { keep, widths };
  while (total(widths) > width) {
    let widest = 0;
    for (let j = 1; j < widths.length; j++) if (widths[j]! - floor[j]! > 0 && (widths[widest]! - floor[widest]! <= 0 || widths[j]! > widths[widest]!)) widest = j;
    widths[widest]!--;
  }
  return { keep, widths };
}

const noBorders = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: ' '.repeat(gap),
};

export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const { style } = scope;
  scope.tables++;
  if (columns.some((c) => c.wide)) scope.wideMarked = true;
  const shown = pickColumns(columns, style);
  const cells = rows.map((row) => shown.map((c) => cellText(c, row, style.wide)));
  const headers = shown.map((c) => c.header.toUpperCase());
  const natural = shown.map((_, i) => Math.max(style.headers ? headers[i]!.length : 0, ...cells.map((r) => r[i]!.length)));
  const fixed = shown.map((c, i) => Boolean(c.id) || (cells.length > 0 && cells.every((r) => unbreakable.test(r[i]!))));
  const { keep, widths } = fitColumns(natural, headers.map((h) => (style.headers ? h.length : 0)), shown.map((c) => c.priority ?? 0), style.width, fixed);
  const Table = cliTable3();
  const table = new Table({
    chars: noBorders,
    style: { 'padding-left': 0, 'padding-right': 0, head: [], border: [], compact: true },
    colWidths: widths,
    wordWrap: false,
    truncate: '…',
  });
  const isState = (c: Column<T>) => c.state ?? /^(status|state)$/i.test(c.header);
  const cell = (c: Column<T>, text: string) => ({ content: style.colour && isState(c) ? colourState(text) : text, hAlign: c.align ?? 'left' as const });
  if (style.headers) table.push(keep.map((k) => ({ content: headers[k]!, hAlign: shown[k]!.align ?? 'left' as const })));
  for (const r of cells) table.push(keep.map((k) => cell(shown[k]!, r[k]!)));
  if (table.length === 0) return '';
  const text = colourMarks(table.toString().split('\n').map((l) => l.trimEnd()).join('\n'));
  scope.drawn.push(text);
  return text;
}
