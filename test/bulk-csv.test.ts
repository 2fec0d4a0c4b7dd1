// The bulk CSV reader: RFC 4180 quoting, and recovery that keeps every good line after a bad one.
import { describe, expect, it } from 'vitest';
import { decodeUtf8Lines, readCsv } from '../src/core/bulk/csv-records.js';

describe('readCsv', () => {
  it('reads quoted commas, doubled quotes, newlines inside quotes, CRLF and a BOM, with each record\'s first line', () => {
    const { records, problems } = readCsv('\uFEFFa,b\r\n"x, y","say ""hi"""\r\n"two\nlines",z\n\nlast,row');
    expect(problems).toEqual([]);
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x, y', 'say "hi"'] },
      { line: 3, fields: ['two\nlines', 'z'] },
      { line: 6, fields: ['last', 'row'] },
    ]);
  });

  it('reports a broken quote with its line and field, and still reads the next lines', () => {
    const { records, problems } = readCsv('a,b,c\n1,"2"x,3\n4,5,6\n7,8"9,10\n11,12,13\n');
    expect(problems.map((p) => [p.line, p.fieldIndex, p.code])).toEqual([[2, 1, 'bad_quoting'], [4, 1, 'bad_quoting']]);
    expect(records.map((r) => r.line)).toEqual([1, 3, 5]);
  });

  it('reports a quote never closed', () => {
    const { records, problems } = readCsv('a,b\n1,"open\n2,3\n');
    expect(records.map((r) => r.line)).toEqual([1]);
    expect(problems).toMatchObject([{ line: 2, fieldIndex: 1, code: 'bad_quoting', message: 'a quote opened on line 2 is never closed' }]);
  });
});

describe('decodeUtf8Lines', () => {
  it('blanks and reports only the lines that are not UTF-8, keeping line numbers', () => {
    const bytes = Buffer.concat([Buffer.from('a,b\nok,é\n'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2c, 0x31, 0x0a]), Buffer.from('end,1\n')]);
    const { text, problems } = decodeUtf8Lines(bytes);
    expect(problems).toMatchObject([{ line: 3, code: 'bad_encoding' }]);
    expect(readCsv(text).records.map((r) => [r.line, r.fields])).toEqual([[1, ['a', 'b']], [2, ['ok', 'é']], [4, ['end', '1']]]);
  });
});
