import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProblemError } from '@praesidium/problem';
import { AuthenticateBeforeBody } from '../caller-authentication.js';
import { inferenceCall } from '../inference/inference.controller.js';
import { ResponseEncryption } from '../jose/response-encryption.js';
import { chatModelReference } from './chat-request.js';
import { InferencePipeline } from '../inference/inference-pipeline.service.js';

/**
 * OpenAI-compatible chat completions for language-model backends, through the same pipeline as
 * every inference. The registry model name goes in `model` (`name@version` pins an approved or
 * deployed version); the patient and purpose of use in `metadata.patient` and `metadata.purpose_of_use`.
 * A whole answer is encrypted on request (`Accept: application/jose`), as `infer`'s are.
 */
@Controller('v1/chat')
export class ChatCompletionsController {
  constructor(
    private readonly pipeline: InferencePipeline,
    private readonly encryption: ResponseEncryption,
  ) {}

  @Post('completions')
  @HttpCode(200)
  @AuthenticateBeforeBody('chat')
  async complete(
    @Req() request: FastifyRequest & { rawBody?: Buffer },
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const body = request.body as { model?: unknown; stream?: unknown } | undefined;
    const { name, version } = chatModelReference(body?.model);
    const run = () => this.pipeline.chat(inferenceCall(request, name, version));
    if (ResponseEncryption.isRequested(request.headers.accept)) {
      // A caller who asked for encryption never gets an answer in clear: not as JSON, not as a stream.
      if (body?.stream === true) throw new ProblemError('jwe.stream_unsupported');
      return this.encryption.answer(request, reply, async () => {
        const answer = await run();
        if (answer.kind === 'json') return answer.body;
        answer.stream.destroy(); // not reached: only `stream: true` streams, refused above
        throw new ProblemError('jwe.stream_unsupported');
      });
    }
    const answer = await run();
    if (answer.kind === 'json') return answer.body;
    void reply.header('content-type', 'text/event-stream; charset=utf-8');
    void reply.header('x-accel-buffering', 'no');
    return answer.stream;
  }
}
