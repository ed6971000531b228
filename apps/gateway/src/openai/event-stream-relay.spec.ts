import { createHash } from 'node:crypto';
import type { ProblemError } from '@praesidium/problem';
import { relayEventStream } from './event-stream-relay.js';

async function* chunks(...parts: string[]): AsyncIterable<Buffer> {
  for (const part of parts) yield Buffer.from(part);
}

async function collect(source: AsyncIterable<Buffer>): Promise<string[]> {
  const out: string[] = [];
  for await (const chunk of source) out.push(chunk.toString());
  return out;
}

const event = (content: string) =>
  `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ delta: { content } }] })}\n\n`;

describe('relayEventStream', () => {
  it('passes events through as they come, hashes the whole stream, and releases [DONE] only after finish', async () => {
    const parts = [event('Hel'), event('lo').slice(0, 10), event('lo').slice(10), 'data: [DONE]\n\n'];
    const order: string[] = [];
    const relayed = relayEventStream(chunks(...parts), ({ sha256 }) => {
      order.push(`finish:${sha256}`);
      return Promise.resolve({ praesidium: { audit: 1 } });
    });
    for await (const chunk of relayed) order.push(chunk.toString());
    const expectedHash = createHash('sha256').update(parts.join('')).digest('hex');
    expect(order).toEqual([
      event('Hel'),
      event('lo'),
      `finish:${expectedHash}`,
      'data: {"praesidium":{"audit":1}}\n\n',
      'data: [DONE]\n\n',
    ]);
  });

  it.each([
    ['a stream without [DONE]', [event('a')]],
    ['an event that is not JSON', ['data: not json\n\n', 'data: [DONE]\n\n']],
    ['events after [DONE]', ['data: [DONE]\n\n', event('late')]],
  ])('cuts %s with backend.invalid_response and never calls finish', async (_name, parts) => {
    let finished = false;
    const finish = () => {
      finished = true;
      return Promise.resolve({});
    };
    await expect(collect(relayEventStream(chunks(...parts), finish))).rejects.toEqual(
      expect.objectContaining({ code: 'backend.invalid_response' }) as ProblemError,
    );
    expect(finished).toBe(false);
  });

  it('ends without [DONE] when finish fails', async () => {
    const out: string[] = [];
    const relayed = relayEventStream(chunks(event('x'), 'data: [DONE]\n\n'), () =>
      Promise.reject(new Error('audit down')),
    );
    await expect(
      (async () => {
        for await (const chunk of relayed) out.push(chunk.toString());
      })(),
    ).rejects.toThrow('audit down');
    expect(out).toEqual([event('x')]);
  });
});
