import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { inferenceCall } from '../inference/inference.controller.js';
import { chatModelReference } from './chat-request.js';
import { InferencePipeline } from '../inference/inference-pipeline.service.js';

/**
 * OpenAI-compatible chat completions for language-model backends, through the same pipeline as
 * every inference. The registry model name goes in `model` (`name@version` pins an approved or
 * deployed version); the patient and purpose of use in `metadata.patient` and `metadata.purpose_of_use`.
 */
@Controller('v1/chat')
export class ChatCompletionsController {
  constructor(private readonly pipeline: InferencePipeline) {}

  @Post('completions')
  @HttpCode(200)
  async complete(
    @Req() request: FastifyRequest & { rawBody?: Buffer },
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { name, version } = chatModelReference((request.body as { model?: unknown } | undefined)?.model);
    const answer = await this.pipeline.chat(inferenceCall(request, name, version));
    if (answer.kind === 'json') return answer.body;
    void reply.header('content-type', 'text/event-stream; charset=utf-8');
    void reply.header('x-accel-buffering', 'no');
    return answer.stream;
  }
}
