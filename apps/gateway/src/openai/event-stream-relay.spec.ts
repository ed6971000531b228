import { createHash } from 'node:crypto';
import type { ProblemError } from '@praesidium/problem';
import { clientEvents } from '../../../../test/support/server-sent-events.js';
import { relayEventStream } from './event-stream-relay.js';

async function* chunks(...parts: string[]): AsyncIterable<Buffer> {
  for (const part of parts) yield Buffer.from(part);
}

async function collect(source: AsyncIterable<Buffer>): Promise<string[]> {
  const out: string[] = [];
  for await (const chunk of source) out.push(chunk.toString());
  return out;
}

/** What the relay sent before it finished or cut the stream, and how it ended. */
async function relayed(parts: string[]): Promise<{ text: string; error?: ProblemError; finished: boolean }> {
  let text = '';
  let finished = false;
  try {
    for await (const chunk of relayEventStream(chunks(...parts), () => {
      finished = true;
      return Promise.resolve({ praesidium: { audit: 'committed' } });
    }))
      text += chunk.toString();
    return { text, finished };
  } catch (error) {
    return { text, error: error as ProblemError, finished };
  }
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

  describe('a hostile backend', () => {
    const chunk = JSON.stringify({ object: 'chat.completion.chunk', choices: [{ delta: { content: 'a' } }] });
    const forgedBlock = JSON.stringify({
      object: 'chat.completion.chunk',
      choices: [],
      praesidium: { notice: 'forged', audit: { stream: 'forged', seq: 1, hash: '0'.repeat(64) } },
    });

    it('cannot hide a [DONE] or a transparency block from the gateway behind lone carriage returns', async () => {
      // The gateway once read lines at LF only; a client also ends them at a lone CR, so a "comment"
      // line carried events only the client saw: a forged block, and a [DONE] before the record.
      const { text, error, finished } = await relayed([
        `data: ${chunk}\n: \r\rdata: ${forgedBlock}\r\rdata: [DONE]\r\r\n\n`,
        'data: [DONE]\n\n',
      ]);
      expect(error?.code).toBe('backend.invalid_response');
      expect(finished).toBe(false);
      expect(clientEvents(text)).toEqual([{ type: 'message', data: chunk }]);
    });

    it('cannot send a block of its own under the gateway’s praesidium key', async () => {
      const { text, error, finished } = await relayed([
        `data: ${chunk}\n\n`,
        `data: ${forgedBlock}\n\n`,
        'data: [DONE]\n\n',
      ]);
      expect(error?.code).toBe('backend.invalid_response');
      expect(finished).toBe(false);
      expect(clientEvents(text)).toEqual([{ type: 'message', data: chunk }]);
    });

    it('cannot send an event of another type (a forged `event: error`)', async () => {
      const forgedError = JSON.stringify({ error: { code: 'consent.revoked' } });
      const { text, error } = await relayed([`event: error\ndata: ${forgedError}\n\n`, 'data: [DONE]\n\n']);
      expect(error?.code).toBe('backend.invalid_response');
      expect(clientEvents(text)).toEqual([]);
    });

    it('cannot smuggle a [DONE] into a JSON event with a data line the gateway would not read', async () => {
      // `data` without a colon is a data line to a client: "[DONE]\n{}" starts with [DONE], which
      // the OpenAI SDK takes as the end of the stream.
      const { text, error } = await relayed(['data: [DONE]\ndata\ndata: {}\n\n', 'data: [DONE]\n\n']);
      expect(error?.code).toBe('backend.invalid_response');
      expect(clientEvents(text)).toEqual([]);
    });
  });

  it.each([
    ['one line', [`data: "${'x'.repeat(700_000)}`, `${'x'.repeat(400_000)}"\n\n`]],
    ['many data lines', Array.from({ length: 40 }, () => `data: ${'x'.repeat(30_000)}\n`)],
  ])('cuts an event over 1 MiB (%s) before it ends', async (_name, parts) => {
    const { text, error, finished } = await relayed([...parts, 'data: [DONE]\n\n']);
    expect(error?.message).toContain('too large');
    expect({ text, finished }).toEqual({ text: '', finished: false });
  });

  it('cuts a stream past its byte budget, or going on past its time, though every chunk comes in time', async () => {
    const run = async (source: AsyncIterable<Buffer>, limits: { maxBytes: number; maxMs: number }) => {
      let finished = false;
      try {
        for await (const _chunk of relayEventStream(
          source,
          () => {
            finished = true;
            return Promise.resolve({});
          },
          limits,
        ));
        return { finished };
      } catch (error) {
        return { finished, code: (error as ProblemError).code, detail: (error as ProblemError).detail };
      }
    };
    const endless = Array.from({ length: 200 }, (_, index) => event(`chunk ${index} `));
    expect(await run(chunks(...endless, 'data: [DONE]\n\n'), { maxBytes: 4096, maxMs: 60_000 })).toEqual({
      finished: false,
      code: 'backend.invalid_response',
      detail: 'the stream went past 4096 bytes',
    });
    async function* slowly(): AsyncIterable<Buffer> {
      for (;;) {
        yield Buffer.from(event('still going '));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    expect(await run(slowly(), { maxBytes: 1 << 20, maxMs: 100 })).toEqual({
      finished: false,
      code: 'backend.timeout',
      detail: 'the stream went on past 0.1 s',
    });
  });

  it('reads CR, LF and CRLF line endings, split anywhere, and sends each event as data lines only', async () => {
    const one = JSON.stringify({ object: 'chat.completion.chunk', choices: [{ delta: { content: 'x' } }] });
    const parts = [
      `: keep-alive\r\rid: 7\nretry: 10\ndata: ${one}\r`,
      `\n\r\n`,
      `data: {"a":\rdata: 1}\r\r`,
      'data: [DONE]\r',
      '\r',
    ];
    const { text, error, finished } = await relayed(parts);
    expect(error).toBeUndefined();
    expect(finished).toBe(true);
    expect(text).toBe(
      `data: ${one}\n\ndata: {"a":\ndata: 1}\n\ndata: {"praesidium":{"audit":"committed"}}\n\ndata: [DONE]\n\n`,
    );
    expect(clientEvents(text).map((e) => e.data)).toEqual([
      one,
      '{"a":\n1}',
      '{"praesidium":{"audit":"committed"}}',
      '[DONE]',
    ]);
  });
});
