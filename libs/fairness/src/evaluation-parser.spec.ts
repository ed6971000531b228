import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import type { ColumnMapping } from './bias-report-settings.js';
import { parseEvaluation, type ParseResult } from './evaluation-parser.js';

const mapping: ColumnMapping = { label: 'y', prediction: 'p', score: 's', sensitive: ['sex'] };

function parse(text: string, format: 'csv' | 'ndjson', chunks = 1): Promise<ParseResult> {
  const size = Math.ceil(text.length / chunks);
  const parts = Array.from({ length: chunks }, (_, i) => Buffer.from(text.slice(i * size, (i + 1) * size)));
  return parseEvaluation(Readable.from(parts), { format, mapping, scoreBins: 1000 });
}

describe('parseEvaluation', () => {
  it('aggregates a valid CSV and hashes its exact bytes', async () => {
    const text = 'y,p,s,sex\n1,1,0.9,f\n0,0,0.1,m\n1,0,0.4,\n';
    const result = await parse(text, 'csv', 3);
    expect(result.valid).toBe(true);
    if (!result.valid) return;
    expect(result.table.rows).toBe(3);
    expect(result.table.cells.map((cell) => cell.values[0])).toEqual(['f', 'm', '(missing)']);
    expect(result.sha256).toBe(createHash('sha256').update(text).digest('hex'));
  });

  it('reports the first errors by line and column, without the offending values', async () => {
    const text = 'y,p,s,sex\n1,1,0.9,f\n2,1,0.9,f\n1,1,1.7,secret-value\n1,1\n"x\ny",1,0.5,f\n';
    const result = await parse(text, 'csv');
    expect(result.valid).toBe(false);
    if (result.valid) return;
    expect(result.issues).toEqual([
      { line: 3, column: 'y', message: 'expected 0 or 1 (or true/false)' },
      { line: 4, column: 's', message: 'expected a number between 0 and 1' },
      { line: 5, column: null, message: 'expected 4 fields, found 2' },
      // A quoted field spanning two lines: the record ends on line 7.
      { line: 7, column: 'y', message: 'expected 0 or 1 (or true/false)' },
    ]);
    expect(JSON.stringify(result)).not.toContain('secret-value');
  });

  it('names a mapped column missing from the header once', async () => {
    const result = await parse('y,p,score,sex\n1,1,0.5,f\n1,1,0.5,f\n', 'csv');
    expect(result.valid).toBe(false);
    if (result.valid) return;
    expect(result.issues).toEqual([
      { line: 1, column: 's', message: 'the mapped column is not in the header row' },
    ]);
  });

  it('reports a broken quote as CSV that cannot be read', async () => {
    const result = await parse('y,p,s,sex\n1,1,0.5,"f\n', 'csv');
    expect(result.valid).toBe(false);
    if (result.valid) return;
    expect(result.issues[0].message).toBe('a quoted field is never closed');
  });

  it('reads NDJSON split anywhere, including inside a multi-byte character', async () => {
    const text = '{"y":1,"p":true,"s":0.75,"sex":"é"}\n{"y":0,"p":0,"s":"0.25","sex":"f"}\n';
    const result = await parse(text, 'ndjson', 7);
    expect(result.valid).toBe(true);
    if (!result.valid) return;
    expect(result.table.cells.map((cell) => cell.values[0])).toEqual(['é', 'f']);
  });

  it('reports NDJSON lines that are not objects or carry bad values', async () => {
    const text =
      '{"y":1,"p":1,"s":0.5,"sex":"f"}\nnot json\n[1]\n{"y":1,"p":"maybe","s":0.5,"sex":{"a":1}}\n';
    const result = await parse(text, 'ndjson');
    expect(result.valid).toBe(false);
    if (result.valid) return;
    expect(result.issueCount).toBe(4);
    expect(result.issues.map((issue) => [issue.line, issue.column])).toEqual([
      [2, null],
      [3, null],
      [4, 'p'],
      [4, 'sex'],
    ]);
  });
});

describe('the plain-line fast path', () => {
  // Fields a hand-made or exported evaluation file can hold, good and bad, quoted and not.
  const field = fc.constantFrom(
    '0',
    '1',
    'true',
    ' 1',
    '2',
    '0.5',
    '.25',
    '1.0',
    '0.1234567890123456',
    '1e-3',
    '0x1',
    '-0',
    '',
    'f',
    'm',
    ' f ',
    'é',
    '"f"',
    '"a,b"',
    '"x\ny"',
    '"say ""hi"""',
    'a"b',
    '"open',
    'x\ry',
  );
  const lineEnd = fc.constantFrom('\n', '\n', '\r\n', '\r');
  const anyRow = fc.array(field, { minLength: 1, maxLength: 5 }).map((fields) => fields.join(','));
  const goodRow = fc
    .tuple(
      fc.constantFrom('0', '1'),
      fc.constantFrom('0', '1'),
      fc.constantFrom('0.5', '0.25', '1', '0.125'),
      fc.constantFrom('f', 'm', 'é', ''),
    )
    .map((fields) => fields.join(','));
  const row = fc.oneof(goodRow, goodRow, anyRow);
  const file = fc
    .record({
      bom: fc.boolean(),
      header: fc.constantFrom('y,p,s,sex', 'y,p,s,sex,extra', 'sex,s,p,y', 'y,p,sex', '"y",p,s,sex', ''),
      rows: fc.array(fc.tuple(row, lineEnd), { maxLength: 12 }),
      headerEnd: lineEnd,
      last: fc.boolean(),
    })
    .map(
      ({ bom, header, headerEnd, rows, last }) =>
        (bom ? '\uFEFF' : '') +
        header +
        headerEnd +
        rows.map(([text, end], i) => text + (i === rows.length - 1 && !last ? '' : end)).join(''),
    );

  function read(text: string, chunks: number, plainFastPath: boolean): Promise<ParseResult> {
    const bytes = Buffer.from(text);
    const size = Math.max(1, Math.ceil(bytes.length / chunks));
    const parts = Array.from({ length: chunks }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
    return parseEvaluation(Readable.from(parts), { format: 'csv', mapping, scoreBins: 1000, plainFastPath });
  }

  const comparable = (result: ParseResult) =>
    result.valid ? { ...result, table: result.table.toJSON() } : result;

  it('reads every file exactly as csv-parse does: the same table, or the same issues by line', async () => {
    await fc.assert(
      fc.asyncProperty(file, fc.integer({ min: 1, max: 7 }), async (text, chunks) => {
        const fast = await read(text, chunks, true);
        const reference = await read(text, 1, false);
        expect(comparable(fast)).toEqual(comparable(reference));
      }),
      { numRuns: 500 },
    );
  });
});
