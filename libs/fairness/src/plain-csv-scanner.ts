/**
 * The fast path of CSV reading: lines with no quote and no stray carriage return are read straight from
 * the decoded text, and only the mapped columns are cut out of them. On such lines RFC 4180 is nothing
 * but "records end at the line break, fields at the comma", so this reads them exactly as csv-parse
 * would. At the first line that is anything else (a quote, a lone CR, a line ending unlike the header's,
 * an empty or overlong header), the scanner stops and csv-parse reads the rest from that line on —
 * a property test holds the two paths to the same tables and the same issues.
 */

/** What the scanner hands each record to (the evaluation parser's row collector). */
export interface PlainCsvSink {
  setColumns(header: string[], line: number): void;
  /** The mapped columns' positions, in the order label, prediction, score (or −1), sensitive… */
  mappedColumns(): readonly number[] | undefined;
  /** One record: how many fields it has, and the mapped fields' text (`score` undefined when unmapped). */
  addPlainRecord(fieldCount: number, line: number, fields: PlainFields): void;
}

/**
 * The mapped fields of one record as positions in `text`, read through `value`. A label, prediction
 * or score with the common spelling is read without making a string.
 */
export class PlainFields {
  text = '';
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  private readonly categories: string[][] = [];

  constructor(slots: number) {
    this.starts = new Int32Array(slots);
    this.ends = new Int32Array(slots);
  }

  value(slot: number): string {
    return this.text.slice(this.starts[slot], this.ends[slot]);
  }

  /**
   * The field as a category: the same string as `value`, found among the column's first distinct
   * values without cutting a new string out of the line (a sensitive column has a few values, repeated
   * on every row).
   */
  category(slot: number): string {
    const start = this.starts[slot];
    const length = this.ends[slot] - start;
    let known = this.categories[slot];
    if (known === undefined) known = this.categories[slot] = [];
    for (let i = 0; i < known.length; i++) {
      const candidate = known[i];
      if (candidate.length === length && this.text.startsWith(candidate, start)) return candidate;
    }
    const value = this.text.slice(start, start + length);
    if (known.length < MAX_KNOWN_CATEGORIES) known.push(value);
    return value;
  }

  /** 0 or 1 when the field is exactly "0" or "1", else −1 (the caller reads the string). */
  bit(slot: number): number {
    const start = this.starts[slot];
    if (this.ends[slot] - start !== 1) return -1;
    const code = this.text.charCodeAt(start);
    return code === 48 ? 0 : code === 49 ? 1 : -1;
  }

  /**
   * The field as a plain decimal (digits, at most one point, at most 15 digits), else NaN (the caller
   * reads the string). Exact: an integer below 2⁵³ over an exact power of ten is one correctly rounded
   * division, the same double as Number() gives.
   */
  decimal(slot: number): number {
    const end = this.ends[slot];
    let mantissa = 0;
    let digits = 0;
    let point = -1;
    for (let i = this.starts[slot]; i < end; i++) {
      const code = this.text.charCodeAt(i);
      if (code >= 48 && code <= 57) {
        mantissa = mantissa * 10 + (code - 48);
        digits++;
      } else if (code === 46 && point < 0) point = i;
      else return NaN;
    }
    if (digits === 0 || digits > 15) return NaN;
    return point < 0 ? mantissa : mantissa / POWERS_OF_TEN[end - point - 1];
  }
}

const MAX_KNOWN_CATEGORIES = 16;
const POWERS_OF_TEN = Array.from({ length: 16 }, (_, k) => 10 ** k);

/** A partial line longer than this goes to csv-parse: the fast path never holds a huge line. */
const MAX_PENDING = 1 << 20;

const COMMA = 44;
const QUOTE = 34;
const CR = 13;

export class PlainCsvScanner {
  /** Physical lines read so far: csv-parse's line numbers continue from here. */
  lines = 0;
  /** The record delimiter, set by the header line: what csv-parse must be told if it takes over. */
  delimiter: '\n' | '\r\n' | undefined;
  private pending = '';
  private slotOf: Int32Array | undefined;
  private fields: PlainFields | undefined;
  private started = false;

  constructor(private readonly sink: PlainCsvSink) {}

  /**
   * Reads the complete lines of `pending + chunk`. Returns undefined when it read them all (keeping a
   * trailing partial line), or the text from the first line it does not read: csv-parse's from there on.
   */
  push(chunk: string): string | undefined {
    let text = chunk;
    if (!this.started) {
      if (text.length === 0) return undefined;
      // csv-parse's `bom` option: a byte order mark at the very start is not part of the header.
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.started = true;
    }
    let start = 0;
    let end: number;
    if (this.pending.length > 0) {
      // The line across the chunk boundary is read on its own: the chunk stays one flat string
      // (a concatenation would make every character read go through a cons string).
      end = text.indexOf('\n');
      if (end < 0) {
        this.pending += text;
        return this.pending.length > MAX_PENDING ? this.takePending() : undefined;
      }
      const line = this.pending + text.slice(0, end + 1);
      this.pending = '';
      if (!this.line(line, 0, line.length - 1)) return line + text.slice(end + 1);
      this.lines++;
      start = end + 1;
    }
    while ((end = text.indexOf('\n', start)) >= 0) {
      if (!this.line(text, start, end)) return text.slice(start);
      this.lines++;
      start = end + 1;
    }
    this.pending = text.slice(start);
    return this.pending.length > MAX_PENDING ? this.takePending() : undefined;
  }

  /** At the end of the input: reads a last line without a line break, or returns it for csv-parse. */
  finish(): string | undefined {
    const text = this.pending;
    this.pending = '';
    if (text.length === 0) return undefined;
    if (this.delimiter === undefined || text.includes('\r') || !this.line(text, 0, text.length)) return text;
    this.lines++;
    return undefined;
  }

  private takePending(): string {
    const text = this.pending;
    this.pending = '';
    return text;
  }

  /** Reads text[start, end) (without its '\n'); false when csv-parse must read it. */
  private line(text: string, start: number, end: number): boolean {
    if (this.delimiter === undefined) return this.header(text, start, end);
    let stop = end;
    if (this.delimiter === '\r\n' && end < text.length) {
      if (end === start || text.charCodeAt(end - 1) !== CR) return false;
      stop = end - 1;
    }
    // skip_empty_lines: an empty line is no record (and counts as a line).
    if (stop === start) return true;
    const slotOf = this.slotOf as Int32Array;
    const fields = this.fields as PlainFields;
    const width = slotOf.length;
    let field = 0;
    let fieldStart = start;
    for (let i = start; i <= stop; i++) {
      const code = i < stop ? text.charCodeAt(i) : COMMA;
      if (code === COMMA) {
        if (field < width) {
          const slot = slotOf[field];
          if (slot >= 0) {
            fields.starts[slot] = fieldStart;
            fields.ends[slot] = i;
          }
        }
        field++;
        fieldStart = i + 1;
      } else if (code === QUOTE || code === CR) return false;
    }
    fields.text = text;
    this.sink.addPlainRecord(field, this.lines + 1, fields);
    return true;
  }

  private header(text: string, start: number, end: number): boolean {
    let stop = end;
    const crlf = end > start && end < text.length && text.charCodeAt(end - 1) === CR;
    if (crlf) stop = end - 1;
    const line = text.slice(start, stop);
    if (line.length === 0 || line.includes('"') || line.includes('\r')) return false;
    const names = line.split(',');
    this.sink.setColumns(names, this.lines + 1);
    this.delimiter = crlf ? '\r\n' : '\n';
    const mapped = this.sink.mappedColumns() ?? [];
    const slotOf = new Int32Array(names.length).fill(-1);
    mapped.forEach((column, slot) => {
      if (column >= 0) slotOf[column] = slot;
    });
    this.slotOf = slotOf;
    this.fields = new PlainFields(mapped.length);
    return true;
  }
}
