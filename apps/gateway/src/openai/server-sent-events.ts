/** One dispatched server-sent event: its type (`message` unless an `event:` field named another) and data. */
export interface ServerSentEvent {
  readonly type: string;
  readonly data: string;
}

/**
 * Reads a text/event-stream exactly as its clients do (WHATWG HTML, "Parsing an event stream"; the
 * OpenAI SDKs follow it): a line ends at CRLF, LF or a lone CR; a leading BOM is dropped; `data:`
 * lines of an event are joined with LF, `data` without a colon is an empty data line; a blank line
 * dispatches the event, and an event without data is dispatched as nothing. Whatever the gateway
 * checks is therefore what the client will read, and nothing a backend writes can be read one way
 * by the gateway and another by the client.
 */
export class ServerSentEventParser {
  private line = '';
  /** The last text ended in CR: an LF that starts the next text belongs to that line ending. */
  private afterCarriageReturn = false;
  private atStart = true;
  private data: string[] = [];
  private dataLength = 0;
  private type = '';

  constructor(private readonly maxEventLength: number) {}

  /** Feeds decoded text; returns the events it completed. Throws when one grows past the limit. */
  push(text: string): ServerSentEvent[] {
    let from = 0;
    if (this.atStart && text.length > 0) {
      this.atStart = false;
      if (text.startsWith('\uFEFF')) from = 1;
    }
    if (this.afterCarriageReturn && text.length > from) {
      this.afterCarriageReturn = false;
      if (text[from] === '\n') from += 1;
    }
    const events: ServerSentEvent[] = [];
    const endOfLine = /\r\n|\r|\n/g;
    endOfLine.lastIndex = from;
    let match: RegExpExecArray | null;
    while ((match = endOfLine.exec(text)) !== null) {
      const line = this.line + text.slice(from, match.index);
      this.line = '';
      from = match.index + match[0].length;
      // A CR that ends the text may be the first half of a CRLF split between two reads.
      if (match[0] === '\r' && from === text.length) this.afterCarriageReturn = true;
      const event = this.takeLine(line);
      if (event) events.push(event);
    }
    this.line += text.slice(from);
    this.checkLength();
    return events;
  }

  /** Whether the text read so far ends inside an event (a stream cut there: clients discard it). */
  get isInsideEvent(): boolean {
    return this.line !== '' || this.data.length > 0 || this.type !== '';
  }

  private takeLine(line: string): ServerSentEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') {
      this.data.push(value);
      this.dataLength += value.length + 1;
      this.checkLength();
    } else if (field === 'event') {
      this.type = value;
    }
    // `id` and `retry` concern reconnecting EventSources, and unknown fields nobody: neither is relayed.
    return undefined;
  }

  private dispatch(): ServerSentEvent | undefined {
    const event =
      this.data.length > 0 ? { type: this.type || 'message', data: this.data.join('\n') } : undefined;
    this.data = [];
    this.dataLength = 0;
    this.type = '';
    return event;
  }

  private checkLength(): void {
    if (this.dataLength + this.line.length > this.maxEventLength) throw new EventTooLargeError();
  }
}

export class EventTooLargeError extends Error {
  constructor() {
    super('a stream event is too large');
    this.name = 'EventTooLargeError';
  }
}

/** An event as the gateway sends it on: its data lines only, whatever fields the backend wrote. */
export function serializeEvent(data: string): string {
  return `${data
    .split('\n')
    .map((line) => `data: ${line}`)
    .join('\n')}\n\n`;
}
