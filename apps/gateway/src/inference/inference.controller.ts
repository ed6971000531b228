import { Controller, Headers, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { markPipelineAudited } from '../edge-refusal-auditor.js';
import { InferencePipeline } from './inference-pipeline.service.js';

/** Open Inference Protocol v2: the only way to a model. */
@Controller('v2/models')
export class InferenceController {
  constructor(private readonly pipeline: InferencePipeline) {}

  @Post(':name/infer')
  @HttpCode(200)
  infer(
    @Param('name') modelName: string,
    @Headers('authorization') authorization: string | undefined,
    @Req() request: FastifyRequest & { rawBody?: Buffer },
  ) {
    markPipelineAudited(request);
    return this.pipeline.infer({
      modelName,
      authorization,
      rawBody: request.rawBody ?? Buffer.alloc(0),
      body: request.body,
      correlationId: String(request.id),
      remoteAddress: request.ip,
    });
  }
}
