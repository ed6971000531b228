import { createHash } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { ProblemError } from '@praesidium/problem';
import {
  EventTooLargeError,
  serializeEvent,
  ServerSentEventReader,
  type ServerSentEvent,
} from './server-sent-events.js';

const MAX_EVENT_BYTES = 1024 * 1024;

/** The most a stream may send and how long it may go on (the time between chunks is bounded upstream). */
export interface StreamLimits {
  readonly maxBytes: number;
  readonly maxMs: number;
}

const UNLIMITED: StreamLimits = { maxBytes: Infinity, maxMs: Infinity };

export interface RelayEnd {
  /** SHA-256 (hex) of every byte the backend streamed, its own `data: [DONE]` included. */
  readonly sha256: string;
}

/**
 * Passes an OpenAI-style server-sent event stream through, event by event, as the backend sends it,
 * while hashing every byte incrementally. The stream is read as clients read it (see
 * ServerSentEventReader: CR, LF and CRLF all end a line), and each event is sent on as its data lines
 * alone, so a client reads exactly the events checked here. Each event must be a plain `message` whose
 * data is a JSON object without the gateway's own `praesidium` block, or the stream is cut with
 * `backend.invalid_response`. The backend's final `data: [DONE]` is held back: `finish` runs first
 * (the pipeline commits the response's audit record there) and returns a last event to send, and only
 * then is `[DONE]` released. So a client never sees a complete answer whose audit record is not
 * committed, nor a transparency block the gateway did not write; if `finish` fails, the stream ends
 * without `[DONE]`.
 */
export async function* relayEventStream(
  source: AsyncIterable<Buffer>,
  finish: (end: RelayEnd) => Promise<Record<string, unknown>>,
  limits: StreamLimits = UNLIMITED,
): AsyncGenerator<Buffer> {
  const startedAt = Date.now();
  let bytes = 0;
  const hash = createHash('sha256');
  const decoder = new StringDecoder('utf8');
  const reader = new ServerSentEventReader(MAX_EVENT_BYTES);
  let done = false;
  /** Checks each event of a text in order and sends it on, until the backend's [DONE], held back. */
  function* accept(text: string): Generator<Buffer> {
    for (const event of readEvents(reader, text)) {
      if (done) throw new ProblemError('backend.invalid_response', 'the stream went on after [DONE]');
      checkEvent(event);
      if (event.data === '[DONE]') done = true;
      else yield Buffer.from(serializeEvent(event.data));
    }
  }
  for await (const chunk of source) {
    bytes += chunk.length;
    // A backend that never ends (a byte now and then, each within the chunk timeout) is cut too.
    if (bytes > limits.maxBytes)
      throw new ProblemError('backend.invalid_response', `the stream went past ${limits.maxBytes} bytes`);
    if (Date.now() - startedAt > limits.maxMs)
      throw new ProblemError('backend.timeout', `the stream went on past ${limits.maxMs / 1000} s`);
    hash.update(chunk);
    yield* accept(decoder.write(chunk));
  }
  yield* accept(decoder.end());
  // What follows [DONE] unfinished is never sent on: only dispatched events are, and none may follow it.
  if (!done) throw new ProblemError('backend.invalid_response', 'the stream ended without [DONE]');
  const last = await finish({ sha256: hash.digest('hex') });
  yield Buffer.from(serializeEvent(JSON.stringify(last)));
  yield Buffer.from('data: [DONE]\n\n');
}

/** The events a text completes. */
function readEvents(reader: ServerSentEventReader, text: string): ServerSentEvent[] {
  try {
    return reader.push(text);
  } catch (error) {
    if (error instanceof EventTooLargeError)
      throw new ProblemError('backend.invalid_response', 'a stream event is too large');
    throw error;
  }
}

/** `[DONE]`, or a plain message whose data is a JSON object without the gateway's own block. */
function checkEvent({ type, data }: ServerSentEvent): void {
  // A typed event (`event: error`…) has no place in a chat completions stream, and would read as the
  // gateway's own error event.
  if (type !== 'message')
    throw new ProblemError('backend.invalid_response', 'a stream event has a type other than message');
  if (data === '[DONE]') return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    // fall through
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new ProblemError('backend.invalid_response', 'a stream event is not a JSON object');
  // EU AI Act Art. 13: the transparency block and the audit record it names are the gateway's word.
  if (Object.hasOwn(parsed, 'praesidium'))
    throw new ProblemError('backend.invalid_response', 'a stream event carries a praesidium block');
}

/** A server-sent event telling the client the stream failed, with the problem's reason code. */
export function errorEvent(problem: ProblemError, correlationId: string): Buffer {
  const body = { error: { code: problem.code, message: problem.title, correlation_id: correlationId } };
  return Buffer.from(`event: error\ndata: ${JSON.stringify(body)}\n\n`);
}
