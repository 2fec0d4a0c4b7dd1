// A careful CSV reader for bulk files. Our own, not csv-parse: after one broken quote csv-parse
// loses the following good rows (measured with csv-parse 6: a stray quote on line 4 swallowed line 5),
// and an operator's file must report every bad line and still book every good one.
//
// RFC 4180 with two recoveries: a record with a quoting error is reported on its first line and reading
// resumes on the next line; a line that is not valid UTF-8 is reported and read as empty. One limit:
// a record over 64 KiB stops the read (issue 19: a 200 MB field never closed kept `--dry-run` busy past
// 30 s, the old reader building that field one character at a time).
import { UsageError } from '../errors.js';

/** A record as read: its first line (1-based) and its fields. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/** A line that could not be read; `fieldIndex` is the 0-based field at fault, when one is. */
export interface CsvProblem {
  line: number;
  fieldIndex: number | null;
  code: 'bad_encoding' | 'bad_quoting';
  message: string;
}

export interface CsvReadResult {
  records: CsvRecord[];
  problems: CsvProblem[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decode UTF-8; invalid lines become empty and are reported (line numbers are kept). */
export function decodeUtf8Lines(bytes: Uint8Array): { text: string; problems: CsvProblem[] } {
  try {
    return { text: utf8.decode(bytes), problems: [] };
  } catch {
    // some line is not UTF-8: find which, line by line
  }
  const problems: CsvProblem[] = [];
  const lines: string[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== 0x0a) continue;
    const lineBytes = bytes.subarray(start, i);
    try {
      lines.push(utf8.decode(lineBytes));
    } catch {
      lines.push('');
      problems.push({ line: lines.length, fieldIndex: null, code: 'bad_encoding', message: 'the line is not valid UTF-8 (save the file as UTF-8)' });
    }
    start = i + 1;
  }
  return { text: lines.join('\n'), problems };
}

/** The longest record a booking file may hold: a booking row is a few hundred characters. */
export const maxRecordChars = 64 * 1024;

/**
 * Read CSV text into records; empty lines are skipped. Every other line ends up in a record or a
 * problem: a record that cannot be read is reported on its first line, and reading resumes on the line
 * after it (a stray quote reports its own line and loses none of the lines its field ran over).
 * A record longer than `maxChars` is not a booking row but a broken file (a quote never closed, a
 * binary file): reading stops at once with a UsageError naming the line where that record began.
 */
export function readCsv(text: string, maxChars = maxRecordChars): CsvReadResult {
  const records: CsvRecord[] = [];
  const problems: CsvProblem[] = [];
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let line = 1;
  let i = 0;
  while (i < s.length) {
    const read = readRecord(s, i, line, maxChars);
    if ('problem' in read) {
      problems.push(read.problem);
      // resume on the line after the record's first line
      const nl = s.indexOf('\n', i);
      i = nl === -1 ? s.length : nl + 1;
      line += 1;
      continue;
    }
    if (!(read.fields.length === 1 && read.fields[0] === '')) records.push({ line, fields: read.fields });
    i = read.next;
    line = read.nextLine;
  }
  return { records, problems };
}

type RecordRead = { fields: string[]; next: number; nextLine: number } | { problem: CsvProblem };

const quote = 0x22;
const comma = 0x2c;
const lf = 0x0a;
const cr = 0x0d;

function tooLong(line: number, maxChars: number): UsageError {
  return new UsageError(`line ${line} starts a record longer than ${Math.round(maxChars / 1024)} KiB: a quote never closed, or not a booking file; nothing was imported`, {
    hint: `a booking row is a few hundred characters: check the quotes on line ${line}`, code: 'record_too_long',
  });
}

/** One record from `start` (line `first`); a field runs at most `maxChars` past the record's start. */
function readRecord(s: string, start: number, first: number, maxChars: number): RecordRead {
  const fields: string[] = [];
  const end = start + maxChars;
  let line = first;
  let i = start;
  const problem = (message: string): RecordRead => ({ problem: { line: first, fieldIndex: fields.length, code: 'bad_quoting', message } });
  for (;;) {
    if (s.charCodeAt(i) === quote) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const q = s.indexOf('"', from);
        if (q === -1 ? s.length > end : q >= end) throw tooLong(first, maxChars);
        if (q === -1) return problem(`a quote opened on line ${first} is never closed`);
        for (let nl = s.indexOf('\n', from); nl !== -1 && nl < q; nl = s.indexOf('\n', nl + 1)) line++;
        if (s.charCodeAt(q + 1) === quote) {
          value += s.slice(from, q + 1);
          from = q + 2;
          continue;
        }
        value += s.slice(from, q);
        i = q + 1;
        break;
      }
      const next = s.charCodeAt(i);
      if (i < s.length && next !== comma && next !== lf && !(next === cr && s.charCodeAt(i + 1) === lf)) {
        return problem(`unexpected "${s[i]}" after a closing quote${line === first ? '' : ` on line ${line}`} (double a quote inside a quoted field: "")`);
      }
      fields.push(value);
    } else {
      let j = i;
      for (; j < s.length; j++) {
        const c = s.charCodeAt(j);
        if (c === comma || c === lf || (c === cr && s.charCodeAt(j + 1) === lf)) break;
        if (c === quote) return problem('a quote inside an unquoted field (quote the whole field and double the quote)');
        if (j >= end) throw tooLong(first, maxChars);
      }
      fields.push(s.slice(i, j));
      i = j;
    }
    if (i >= s.length) return { fields, next: i, nextLine: line + 1 };
    if (s.charCodeAt(i) === comma) {
      i++;
      continue;
    }
    return { fields, next: i + (s.charCodeAt(i) === cr ? 2 : 1), nextLine: line + 1 };
  }
}
