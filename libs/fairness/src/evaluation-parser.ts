import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { CsvError, parse as parseCsv, type Parser as CsvParser } from 'csv-parse';
import type { ColumnMapping } from './bias-report-settings.js';
import { EvaluationTable } from './evaluation-table.js';
import { PlainCsvScanner, type PlainCsvSink, type PlainFields } from './plain-csv-scanner.js';

export type EvaluationFormat = 'csv' | 'ndjson';

/** One problem of an input file, by line (1-based) and column name; never the offending value (it may be PHI). */
export interface ValidationIssue {
  readonly line: number;
  readonly column: string | null;
  readonly message: string;
}

export interface ParseOptions {
  readonly format: EvaluationFormat;
  readonly mapping: ColumnMapping;
  /** Score histogram bins (the report settings' scoreBins). */
  readonly scoreBins: number;
  /** How many issues to report before only counting them. */
  readonly maxIssues?: number;
  /** Refuse the file beyond this many distinct combinations of sensitive values (a free-text column mapped by mistake). */
  readonly maxCells?: number;
  /**
   * CSV only: whether plain lines (no quote, no stray carriage return) are read by the fast scanner
   * (default true). False has csv-parse read every line: the reference the fast path is tested against.
   */
  readonly plainFastPath?: boolean;
}

export type ParseResult =
  | { readonly valid: true; readonly table: EvaluationTable; readonly sha256: string; readonly bytes: number }
  | {
      readonly valid: false;
      readonly issues: ValidationIssue[];
      readonly issueCount: number;
      readonly sha256: string;
    };

export const MISSING_VALUE = '(missing)';
const MAX_VALUE_LENGTH = 200;

/**
 * Streams an evaluation file (CSV with a header row, or NDJSON of objects) into an EvaluationTable,
 * hashing the exact bytes read. Every row is validated; after the first invalid row nothing more is
 * aggregated, and the result carries the first issues by line and column instead of a table.
 */
export async function parseEvaluation(
  source: Readable | AsyncIterable<Buffer | string>,
  options: ParseOptions,
): Promise<ParseResult> {
  const collector = new RowCollector(options);
  const hash = createHash('sha256');
  let bytes = 0;
  const hashing = new Transform({
    transform(chunk: Buffer | string, _encoding: BufferEncoding, callback: TransformCallback) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      hash.update(buffer);
      bytes += buffer.length;
      callback(null, buffer);
    },
  });
  const input = source instanceof Readable ? source : Readable.from(source);
  if (options.format === 'csv') await readCsv(input, hashing, collector);
  else await pipeline(input, hashing, ndjsonLines(collector));
  const sha256 = hash.digest('hex');
  return collector.issueCount === 0
    ? { valid: true, table: collector.table, sha256, bytes }
    : { valid: false, issues: collector.issues, issueCount: collector.issueCount, sha256 };
}

async function readCsv(input: Readable, hashing: Transform, collector: RowCollector): Promise<void> {
  const reader = new CsvReader(collector, collector.options.plainFastPath ?? true);
  await pipeline(input, hashing, async (chunks: AsyncIterable<Buffer>) => {
    // After a CSV error the rest is still read, so that the hash covers the whole input.
    for await (const chunk of chunks) reader.write(chunk);
    await reader.end();
  });
  if (!collector.hasHeader)
    collector.report({ line: 1, column: null, message: 'the file is empty: a header row is required' });
}

/**
 * Plain lines through the fast scanner; from the first line it does not read (a quoted field, a stray
 * carriage return…), csv-parse to the end, its line numbers continuing the scanner's.
 */
class CsvReader {
  private readonly decoder = new StringDecoder('utf8');
  private readonly scanner: PlainCsvScanner;
  private parser: CsvParser | undefined;
  private lineOffset = 0;
  private failed = false;
  private asciiSoFar = true;

  constructor(
    private readonly collector: RowCollector,
    private readonly fastPath: boolean,
  ) {
    this.scanner = new PlainCsvScanner(collector);
  }

  write(chunk: Buffer): void {
    if (this.failed) return;
    const text = this.decode(chunk);
    if (this.parser) this.feed(text);
    else this.handOver(this.fastPath ? this.scanner.push(text) : text);
  }

  async end(): Promise<void> {
    if (this.failed) return;
    const tail = this.decoder.end();
    if (!this.parser) this.handOver(this.scanner.push(tail));
    if (!this.parser) this.handOver(this.scanner.finish());
    const parser = this.parser;
    if (!parser || this.failed) return;
    parser.end();
    try {
      await finished(parser, { readable: false });
    } catch (error) {
      this.fail(error);
    }
  }

  /**
   * UTF-8 text of a chunk. Until the first non-ASCII byte the decoder holds nothing back, and ASCII
   * reads the same as Latin-1, which V8 copies byte for byte instead of decoding.
   */
  private decode(chunk: Buffer): string {
    if (this.asciiSoFar && isAscii(chunk)) return chunk.toString('latin1');
    this.asciiSoFar = false;
    return this.decoder.write(chunk);
  }

  private handOver(rest: string | undefined): void {
    if (rest === undefined) return;
    this.lineOffset = this.scanner.lines;
    const parser = parseCsv({
      bom: this.lineOffset === 0,
      relax_column_count: true,
      skip_empty_lines: true,
      // What csv-parse would have detected on the header line the scanner read.
      ...(this.scanner.delimiter ? { record_delimiter: this.scanner.delimiter } : {}),
      on_record: (record: string[], context: { lines: number }) => {
        const line = this.lineOffset + context.lines;
        if (this.collector.hasHeader) this.collector.addCsvRecord(record, line);
        else this.collector.setColumns(record, line);
        return null;
      },
    });
    // Records are taken by on_record; nothing reaches the readable side but its end. Errors are read
    // from `errored` after each write and from `finished` at the end.
    parser.resume();
    parser.on('error', () => undefined);
    this.parser = parser;
    this.feed(rest);
  }

  private feed(text: string): void {
    const parser = this.parser as CsvParser;
    if (text.length) parser.write(text);
    if (parser.errored) this.fail(parser.errored);
  }

  private fail(error: unknown): void {
    if (!(error instanceof CsvError)) throw error;
    this.failed = true;
    const line = this.lineOffset + ((error as CsvError & { lines?: number }).lines ?? 0);
    this.collector.report({ line, column: null, message: csvErrorMessage(error.code) });
  }
}

function ndjsonLines(collector: RowCollector) {
  return async function (chunks: AsyncIterable<Buffer>): Promise<void> {
    // A decoder keeps a multi-byte character split across two chunks whole.
    const decoder = new StringDecoder('utf8');
    let rest = '';
    let line = 0;
    for await (const chunk of chunks) {
      const text = rest + decoder.write(chunk);
      let start = 0;
      let end: number;
      while ((end = text.indexOf('\n', start)) >= 0) {
        collector.addJsonLine(text.slice(start, end), ++line);
        start = end + 1;
      }
      rest = text.slice(start);
    }
    rest += decoder.end();
    if (rest.length) collector.addJsonLine(rest, line + 1);
    if (collector.table.rows === 0 && collector.issueCount === 0)
      collector.report({ line: 1, column: null, message: 'the file has no rows' });
  };
}

class RowCollector implements PlainCsvSink {
  readonly table: EvaluationTable;
  readonly issues: ValidationIssue[] = [];
  issueCount = 0;
  private readonly maxIssues: number;
  private readonly maxCells: number;
  private readonly sensitiveValues: string[];
  private headerInvalid = false;
  private indices?: { label: number; prediction: number; score: number; sensitive: number[]; width: number };

  constructor(readonly options: ParseOptions) {
    const { mapping } = options;
    this.table = new EvaluationTable(mapping.sensitive, mapping.score ? options.scoreBins : null);
    this.maxIssues = options.maxIssues ?? 20;
    this.maxCells = options.maxCells ?? 10_000;
    this.sensitiveValues = new Array<string>(mapping.sensitive.length);
  }

  report(issue: ValidationIssue): void {
    this.issueCount++;
    if (this.issues.length < this.maxIssues) this.issues.push(issue);
  }

  setColumns(header: string[], line: number): void {
    const { mapping } = this.options;
    const find = (column: string) => {
      const index = header.indexOf(column);
      if (index < 0) this.report({ line, column, message: 'the mapped column is not in the header row' });
      return index;
    };
    this.indices = {
      label: find(mapping.label),
      prediction: find(mapping.prediction),
      score: mapping.score ? find(mapping.score) : -1,
      sensitive: mapping.sensitive.map(find),
      width: header.length,
    };
    this.headerInvalid = this.issueCount > 0;
  }

  get hasHeader(): boolean {
    return this.indices !== undefined;
  }

  mappedColumns(): readonly number[] | undefined {
    const indices = this.indices;
    return indices && [indices.label, indices.prediction, indices.score, ...indices.sensitive];
  }

  addCsvRecord(record: string[], line: number): void {
    const indices = this.acceptsRecord(record.length, line);
    if (!indices) return;
    const { mapping } = this.options;
    for (let i = 0; i < indices.sensitive.length; i++) this.sensitiveValues[i] = record[indices.sensitive[i]];
    this.addRow(
      line,
      record[indices.label],
      record[indices.prediction],
      mapping.score ? record[indices.score] : undefined,
    );
  }

  /** A record of the fast path: fields by slot, in mappedColumns() order. */
  addPlainRecord(fieldCount: number, line: number, fields: PlainFields): void {
    if (!this.acceptsRecord(fieldCount, line)) return;
    for (let i = 0; i < this.sensitiveValues.length; i++) this.sensitiveValues[i] = fields.category(3 + i);
    const label = fields.bit(0);
    const prediction = fields.bit(1);
    let score: number | string | undefined;
    if (this.options.mapping.score) {
      score = fields.decimal(2);
      if (Number.isNaN(score)) score = fields.value(2);
    }
    this.addRow(
      line,
      label < 0 ? fields.value(0) : label,
      prediction < 0 ? fields.value(1) : prediction,
      score,
    );
  }

  /** The column positions when a record of `fieldCount` fields is to be read, else undefined (reported or skipped). */
  private acceptsRecord(fieldCount: number, line: number): RowCollector['indices'] {
    const indices = this.indices;
    // With a mapped column missing from the header, row-by-row issues would only repeat that one.
    if (!indices || this.headerInvalid) return undefined;
    if (this.issues.length >= this.maxIssues) {
      this.issueCount++;
      return undefined;
    }
    if (fieldCount !== indices.width) {
      this.report({ line, column: null, message: `expected ${indices.width} fields, found ${fieldCount}` });
      return undefined;
    }
    return indices;
  }

  addJsonLine(text: string, line: number): void {
    if (text.trim() === '') return;
    if (this.issues.length >= this.maxIssues) {
      this.issueCount++;
      return;
    }
    let row: unknown;
    try {
      row = JSON.parse(text);
    } catch {
      this.report({ line, column: null, message: 'the line is not valid JSON' });
      return;
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) {
      this.report({ line, column: null, message: 'the line is not a JSON object' });
      return;
    }
    const fields = row as Record<string, unknown>;
    const { mapping } = this.options;
    for (let i = 0; i < mapping.sensitive.length; i++) {
      const value = fields[mapping.sensitive[i]];
      this.sensitiveValues[i] = categoryOf(value);
    }
    this.addRow(
      line,
      fields[mapping.label],
      fields[mapping.prediction],
      mapping.score ? fields[mapping.score] : undefined,
    );
  }

  private addRow(line: number, labelValue: unknown, predictionValue: unknown, scoreValue: unknown): void {
    const { mapping } = this.options;
    const issuesBefore = this.issueCount;
    const label = binary(labelValue);
    if (label === null)
      this.report({ line, column: mapping.label, message: 'expected 0 or 1 (or true/false)' });
    const prediction = binary(predictionValue);
    if (prediction === null)
      this.report({ line, column: mapping.prediction, message: 'expected 0 or 1 (or true/false)' });
    let score: number | undefined;
    if (mapping.score) {
      score = probability(scoreValue) ?? undefined;
      if (score === undefined)
        this.report({ line, column: mapping.score, message: 'expected a number between 0 and 1' });
    }
    for (let i = 0; i < this.sensitiveValues.length; i++) {
      const value = this.sensitiveValues[i].trim();
      if (value === '\u0000' || value.length > MAX_VALUE_LENGTH) {
        this.report({
          line,
          column: mapping.sensitive[i],
          message: `expected a category of at most ${MAX_VALUE_LENGTH} characters`,
        });
      }
      this.sensitiveValues[i] = value === '' ? MISSING_VALUE : value;
    }
    // Once the file is known to be invalid, nothing more is aggregated: it will not be stored.
    if (this.issueCount > issuesBefore || this.issueCount > 0) return;
    this.table.addRow(this.sensitiveValues, label as 0 | 1, prediction as 0 | 1, score);
    if (this.table.cells.length > this.maxCells)
      this.report({
        line,
        column: null,
        message: `more than ${this.maxCells} distinct combinations of sensitive values: is a free-text or identifier column mapped as sensitive?`,
      });
  }
}

/** A JSON field as a category: null or absent is empty (reported as missing); an object or array is refused. */
function categoryOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '\u0000';
}

function binary(value: unknown): 0 | 1 | null {
  if (value === 1 || value === true) return 1;
  if (value === 0 || value === false) return 0;
  if (typeof value !== 'string') return null;
  // The common spellings first: no string is made for them on the million-row path.
  if (value === '1') return 1;
  if (value === '0') return 0;
  switch (value.trim().toLowerCase()) {
    case '1':
    case 'true':
      return 1;
    case '0':
    case 'false':
      return 0;
    default:
      return null;
  }
}

function probability(value: unknown): number | null {
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : NaN;
  return Number.isFinite(number) && number >= 0 && number <= 1 ? number : null;
}

const CSV_ERRORS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is never closed',
  INVALID_OPENING_QUOTE: 'a quote opens inside an unquoted field',
  CSV_INVALID_CLOSING_QUOTE: 'a closing quote is followed by other characters',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'a closing quote is followed by other characters',
};

function csvErrorMessage(code: string): string {
  return CSV_ERRORS[code] ?? `the file is not valid CSV (${code})`;
}
