import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
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
