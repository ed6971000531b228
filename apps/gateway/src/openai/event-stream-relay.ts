import { createHash } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { ProblemError } from '@praesidium/problem';

const MAX_EVENT_BYTES = 1024 * 1024;

export interface RelayEnd {
  /** SHA-256 (hex) of every byte the backend streamed, its own `data: [DONE]` included. */
  readonly sha256: string;
}

/**
 * Passes an OpenAI-style server-sent event stream through, event by event, as the backend sends it,
 * while hashing every byte incrementally. Each `data:` payload must be a JSON object, or the stream
 * is cut with `backend.invalid_response`. The backend's final `data: [DONE]` is held back: `finish`
 * runs first (the pipeline commits the response's audit record there) and returns a last event to
 * send, and only then is `[DONE]` released. So a client never sees a complete answer whose audit
 * record is not committed; if `finish` fails, the stream ends without `[DONE]`.
 */
export async function* relayEventStream(
  source: AsyncIterable<Buffer>,
  finish: (end: RelayEnd) => Promise<Record<string, unknown>>,
): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let done = false;
  for await (const chunk of source) {
    hash.update(chunk);
    pending += decoder.write(chunk).replace(/\r\n/g, '\n');
    let boundary: number;
    while ((boundary = pending.indexOf('\n\n')) >= 0) {
      const event = pending.slice(0, boundary);
      pending = pending.slice(boundary + 2);
      if (done) throw new ProblemError('backend.invalid_response', 'the stream went on after [DONE]');
      if (dataOf(event) === '[DONE]') done = true;
      else yield Buffer.from(`${event}\n\n`);
    }
    if (pending.length > MAX_EVENT_BYTES)
      throw new ProblemError('backend.invalid_response', 'a stream event is too large');
  }
  pending += decoder.end();
  if (!done || pending.trim() !== '')
    throw new ProblemError('backend.invalid_response', 'the stream ended without [DONE]');
  const last = await finish({ sha256: hash.digest('hex') });
  yield Buffer.from(`data: ${JSON.stringify(last)}\n\n`);
  yield Buffer.from('data: [DONE]\n\n');
}

/** The event's data (its `data:` lines joined); a JSON object unless it is `[DONE]`. */
function dataOf(event: string): string {
  const data = event
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).replace(/^ /, ''))
    .join('\n');
  if (data === '[DONE]') return data;
  try {
    const parsed: unknown = JSON.parse(data);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return data;
  } catch {
    // fall through
  }
  throw new ProblemError('backend.invalid_response', 'a stream event is not a JSON object');
}

/** A server-sent event telling the client the stream failed, with the problem's reason code. */
export function errorEvent(problem: ProblemError, correlationId: string): Buffer {
  const body = { error: { code: problem.code, message: problem.title, correlation_id: correlationId } };
  return Buffer.from(`event: error\ndata: ${JSON.stringify(body)}\n\n`);
}
