import { createParser, type EventSourceParser } from 'eventsource-parser';

/** One dispatched server-sent event: its type (`message` unless an `event:` field named another) and data. */
export interface ServerSentEvent {
  readonly type: string;
  readonly data: string;
}

/**
 * Reads a text/event-stream exactly as its clients do (WHATWG HTML, "Parsing an event stream", which
 * eventsource-parser implements and browsers and the OpenAI SDKs follow): a line ends at CRLF, LF or a
 * lone CR, even one split between two reads; a leading BOM is dropped; `data` lines of an event are
 * joined with LF; a blank line dispatches the event, and an event without data is dispatched as
 * nothing. Whatever the gateway checks is therefore what the client will read: nothing a backend writes
 * can be read one way by the gateway and another by the client.
 */
export class ServerSentEventReader {
  private readonly parser: EventSourceParser;
  private completed: ServerSentEvent[] = [];
  private isTooLarge = false;

  /** `maxEventLength`: characters an event may hold before it is dispatched (its unfinished line included). */
  constructor(maxEventLength: number) {
    this.parser = createParser({
      maxBufferSize: maxEventLength,
      // The parser bounds what it holds between reads; an event completed within one read is bounded here.
      onEvent: ({ event, data }) => {
        if (data.length > maxEventLength) this.isTooLarge = true;
        else this.completed.push({ type: event ?? 'message', data });
      },
      // Unknown fields and a bad `retry` concern nobody here (neither is relayed); only size is fatal.
      onError: (error) => {
        if (error.type === 'max-buffer-size-exceeded') this.isTooLarge = true;
      },
    });
  }

  /** Feeds decoded text; returns the events it completed. Throws when one grows past the limit. */
  push(text: string): ServerSentEvent[] {
    this.parser.feed(text);
    if (this.isTooLarge) throw new EventTooLargeError();
    const events = this.completed;
    this.completed = [];
    return events;
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
