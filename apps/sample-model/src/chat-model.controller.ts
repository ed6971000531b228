import { Body, Controller, HttpCode, Param, Post, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { AFTERCARE_DEMO_TEXT, AFTERCARE_MODEL_NAME, aftercareDraftPieces } from '@praesidium/demo';
import { ProblemError } from '@praesidium/problem';
import { GatewayAssertionGuard } from './gateway-assertion.guard.js';

/**
 * A demonstration language-model backend speaking OpenAI chat completions: it answers a fixed,
 * clearly labelled draft, streamed a word per server-sent event when asked (`stream: true`).
 */
@Controller('openai')
export class ChatModelController {
  @Post(':name/v1/chat/completions')
  @HttpCode(200)
  @UseGuards(GatewayAssertionGuard)
  complete(
    @Param('name') name: string,
    @Body() body: { stream?: boolean },
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (name !== AFTERCARE_MODEL_NAME) throw new ProblemError('model.unknown');
    const id = `chatcmpl-demo-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    if (!body.stream) {
      return {
        id,
        object: 'chat.completion',
        created,
        model: name,
        choices: [
          { index: 0, finish_reason: 'stop', message: { role: 'assistant', content: AFTERCARE_DEMO_TEXT } },
        ],
      };
    }
    void reply.header('content-type', 'text/event-stream; charset=utf-8');
    return Readable.from(streamDraft(id, created, name));
  }
}

async function* streamDraft(id: string, created: number, model: string): AsyncGenerator<string> {
  const chunk = (delta: object, finishReason: string | null) =>
    `data: ${JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      choices: [{ index: 0, delta, finish_reason: finishReason }],
    })}\n\n`;
  yield chunk({ role: 'assistant' }, null);
  for (const piece of aftercareDraftPieces()) {
    // A little pacing, so a client sees the words arrive one by one as from a real model.
    await sleep(2);
    yield chunk({ content: piece }, null);
  }
  yield chunk({}, 'stop');
  yield 'data: [DONE]\n\n';
}
