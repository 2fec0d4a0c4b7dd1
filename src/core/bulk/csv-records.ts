// A careful CSV reader for bulk files. Our own, not csv-parse: after one broken quote csv-parse
// loses the following good rows (measured with csv-parse 6: a stray quote on line 4 swallowed line 5),
// and an operator's file must report every bad line and still book every good one.
//
// RFC 4180 with two recoveries: a quoting error drops the rest of that physical line and reading
// resumes on the next; a line that is not valid UTF-8 is reported and read as empty.

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

/** Read CSV text into records; empty lines are skipped. */
export function readCsv(text: string): CsvReadResult {
  const records: CsvRecord[] = [];
  const problems: CsvProblem[] = [];
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let line = 1;
  let i = 0;
  while (i < s.length) {
    const recordLine = line;
    const fields: string[] = [];
    let field = '';
    let problem: CsvProblem | null = null;
    // one record
    for (;;) {
      if (i < s.length && s[i] === '"' && field === '') {
        // quoted field
        i++;
        let closed = false;
        while (i < s.length) {
          const c = s[i]!;
          if (c === '"') {
            if (s[i + 1] === '"') { field += '"'; i += 2; continue; }
            i++;
            closed = true;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        if (!closed) {
          problem = { line: recordLine, fieldIndex: fields.length, code: 'bad_quoting', message: `a quote opened on line ${recordLine} is never closed` };
          break;
        }
        const next = s[i];
        if (next !== undefined && next !== ',' && next !== '\n' && !(next === '\r' && s[i + 1] === '\n')) {
          problem = { line, fieldIndex: fields.length, code: 'bad_quoting', message: `unexpected "${next}" after a closing quote (double a quote inside a quoted field: "")` };
          break;
        }
      } else {
        while (i < s.length && s[i] !== ',' && s[i] !== '\n' && !(s[i] === '\r' && s[i + 1] === '\n')) {
          if (s[i] === '"') {
            problem = { line, fieldIndex: fields.length, code: 'bad_quoting', message: 'a quote inside an unquoted field (quote the whole field and double the quote)' };
            break;
          }
          field += s[i];
          i++;
        }
        if (problem) break;
      }
      fields.push(field);
      field = '';
      if (i >= s.length) break;
      if (s[i] === ',') { i++; continue; }
      i += s[i] === '\r' ? 2 : 1; // end of record
      line++;
      break;
    }
    if (problem) {
      problems.push(problem);
      // resume at the next physical line
      while (i < s.length && s[i] !== '\n') i++;
      if (i < s.length) { i++; line++; }
      continue;
    }
    if (fields.length === 1 && fields[0] === '') continue; // empty line
    records.push({ line: recordLine, fields });
  }
  return { records, problems };
}
