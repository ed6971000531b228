import { Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { presentedCertificate } from '@praesidium/access';
import { markPipelineAudited } from '../edge-refusal-auditor.js';
import { InferencePipeline } from './inference-pipeline.service.js';

/** Open Inference Protocol v2: the only way to a model. */
@Controller('v2/models')
export class InferenceController {
  constructor(private readonly pipeline: InferencePipeline) {}

  @Post(':name/infer')
  @HttpCode(200)
  infer(@Param('name') modelName: string, @Req() request: FastifyRequest & { rawBody?: Buffer }) {
    markPipelineAudited(request);
    return this.pipeline.infer({
      modelName,
      authorizationFields: request.raw.headersDistinct.authorization ?? [],
      rawBody: request.rawBody ?? Buffer.alloc(0),
      body: request.body,
      correlationId: String(request.id),
      remoteAddress: request.ip,
      connection: { certificate: presentedCertificate(request.raw.socket) },
    });
  }
}
