import { Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { presentedCertificate } from '@praesidium/access';
import { markPipelineAudited } from '../edge-refusal-auditor.js';
import { ResponseEncryption } from '../jose/response-encryption.js';
import { InferencePipeline } from './inference-pipeline.service.js';

/** Open Inference Protocol v2: the only way to a model. */
@Controller('v2/models')
export class InferenceController {
  constructor(
    private readonly pipeline: InferencePipeline,
    private readonly encryption: ResponseEncryption,
  ) {}

  @Post(':name/infer')
  @HttpCode(200)
  infer(
    @Param('name') modelName: string,
    @Req() request: FastifyRequest & { rawBody?: Buffer },
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    // Encrypted on request (Accept: application/jose); see jose/response-encryption.ts.
    return this.encryption.answer(request, reply, () => {
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
    });
  }
}
