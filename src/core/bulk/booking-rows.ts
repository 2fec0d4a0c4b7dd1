// The bulk booking file: columns, header, and rows as text (CSV or JSON), before any meaning is read.
import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';
import { decodeUtf8Lines, readCsv } from './csv-records.js';

export const requiredColumns = ['lot', 'vehicle_type', 'start', 'end', 'plate', 'customer_ref'] as const;
/**
 * external_ref and payment are for any row; the rest are what `booking export` writes so that an import
 * recognises each booking (reservation_id) or restores it as it was (src/core/bulk/plan-restore.ts).
 */
export const optionalColumns = [
  'external_ref', 'payment', 'reservation_id', 'status', 'spot', 'price_minor', 'extension_minor', 'hold_expires_at', 'entered_at', 'entry_gate',
] as const;
export const bookingColumns = [...requiredColumns, ...optionalColumns] as const;
export type BookingColumn = (typeof bookingColumns)[number];

/** One row of the file, as text; `line` is the CSV line, or the 1-based record number in JSON. */
export interface RawBookingRow {
  line: number;
  values: Partial<Record<BookingColumn, string>>;
}

/** A row that cannot be read at all (encoding, quoting, column count). */
export interface RowReadProblem {
  line: number;
  column: string | null;
  code: string;
  message: string;
}

export interface BookingFile {
  rows: RawBookingRow[];
  problems: RowReadProblem[];
}

export type BookingFileFormat = 'csv' | 'json';

function headerError(message: string): UsageError {
  return new UsageError(message, {
    hint: `the first line must name the columns: ${requiredColumns.join(',')}[,external_ref][,payment] (and those booking export writes)`,
    code: 'bad_header',
  });
}

export function readBookingFile(bytes: Uint8Array, format: BookingFileFormat): BookingFile {
  return format === 'json' ? readJson(bytes) : readCsvFile(bytes);
}

function readCsvFile(bytes: Uint8Array): BookingFile {
  const decoded = decodeUtf8Lines(bytes);
  const { records, problems: csvProblems } = readCsv(decoded.text);
  const [header, ...body] = records;
  if (!header || header.line !== 1) throw headerError('the file has no header line');
  const names = header.fields.map((f) => f.trim().toLowerCase());
  const unknown = names.filter((n) => !(bookingColumns as readonly string[]).includes(n));
  if (unknown.length) throw headerError(`unknown column(s) in the header: ${unknown.join(', ')}`);
  const missing = requiredColumns.filter((c) => !names.includes(c));
  if (missing.length) throw headerError(`the header lacks column(s): ${missing.join(', ')}`);
  if (new Set(names).size !== names.length) throw headerError('a column is named twice in the header');
  const columns = names as BookingColumn[];
  const problems: RowReadProblem[] = [...decoded.problems, ...csvProblems].map((p) => ({
    line: p.line, column: p.fieldIndex === null ? null : (columns[p.fieldIndex] ?? `field ${p.fieldIndex + 1}`), code: p.code, message: p.message,
  }));
  const rows: RawBookingRow[] = [];
  for (const r of body) {
    if (r.fields.length !== columns.length) {
      problems.push({
        line: r.line, column: r.fields.length > columns.length ? `field ${columns.length + 1}` : columns[r.fields.length]!,
        code: 'bad_column_count', message: `${r.fields.length} fields where the header has ${columns.length}`,
      });
      continue;
    }
    rows.push({ line: r.line, values: Object.fromEntries(columns.map((c, i) => [c, r.fields[i]!])) });
  }
  problems.sort((a, b) => a.line - b.line);
  return { rows, problems };
}

function readJson(bytes: Uint8Array): BookingFile {
  let data: unknown;
  try {
    data = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    throw new UsageError(`the file is not valid JSON: ${(err as Error).message}`, { hint: 'give an array of objects with the CSV columns as keys', code: 'bad_json' });
  }
  if (!Array.isArray(data)) throw new UsageError('the JSON file is not an array', { hint: 'give an array of objects with the CSV columns as keys', code: 'bad_json' });
  const rows: RawBookingRow[] = [];
  const problems: RowReadProblem[] = [];
  data.forEach((item: unknown, index) => {
    const line = index + 1;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      problems.push({ line, column: null, code: 'bad_record', message: 'not an object' });
      return;
    }
    const entries = Object.entries(item as Record<string, unknown>);
    const unknown = entries.find(([k]) => !(bookingColumns as readonly string[]).includes(k));
    const badValue = entries.find(([, v]) => v !== null && typeof v !== 'string' && typeof v !== 'number');
    const missing = requiredColumns.find((c) => !(c in item));
    if (unknown) problems.push({ line, column: unknown[0], code: 'bad_column', message: `unknown key "${unknown[0]}"` });
    else if (badValue) problems.push({ line, column: badValue[0], code: 'bad_value', message: 'not a string' });
    else if (missing) problems.push({ line, column: missing, code: 'missing_column', message: `no "${missing}"` });
    else rows.push({ line, values: Object.fromEntries(entries.filter(([, v]) => v !== null).map(([k, v]) => [k, String(v)])) });
  });
  return { rows, problems };
}

/**
 * The idempotency key of a row without an external_ref: a hash of the normalised row, so a re-run of
 * the same file finds the reservations the first run made instead of booking twice.
 */
export function rowDigestRef(n: { lotCode: string; vehicleType: string; start: Date; end: Date; plate: string; customerRef: string }): string {
  const canonical = [n.lotCode, n.vehicleType, n.start.toISOString(), n.end.toISOString(), n.plate, n.customerRef].join('|');
  return `import:${createHash('sha256').update(canonical).digest('hex').slice(0, 32)}`;
}
