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

  it('reports a quote never closed on its line, and reads the lines after it', () => {
    const { records, problems } = readCsv('a,b\n1,"open\n2,3\n4,5\n');
    expect(records.map((r) => [r.line, r.fields])).toEqual([[1, ['a', 'b']], [3, ['2', '3']], [4, ['4', '5']]]);
    expect(problems).toMatchObject([{ line: 2, fieldIndex: 1, code: 'bad_quoting', message: 'a quote opened on line 2 is never closed' }]);
  });

  it('a stray quote that runs over later lines reports its own line and loses none of the others', () => {
    // line 2's quote "closes" on line 4, where a letter follows: lines 3 and 4 were swallowed before
    const { records, problems } = readCsv('a,b\n1,"x\n2,y\n3,"z\n5,w\n');
    expect(problems.map((p) => [p.line, p.fieldIndex])).toEqual([[2, 1], [4, 1]]);
    expect(records.map((r) => r.line)).toEqual([1, 3, 5]);
  });

  it('stops at a record longer than the limit, naming the line it began on', () => {
    const text = `a,b\n1,2\n3,"${'x'.repeat(2000)}\n4,5\n`;
    expect(() => readCsv(text, 1024)).toThrowError(expect.objectContaining({ code: 'record_too_long', message: expect.stringContaining('line 3 starts a record longer than 1 KiB') }));
    expect(() => readCsv(`a,b\n${'y'.repeat(2000)}\n`, 1024)).toThrowError(/line 2 starts a record longer/);
    expect(readCsv(text, 4096).problems).toMatchObject([{ line: 3, message: 'a quote opened on line 3 is never closed' }]);
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
