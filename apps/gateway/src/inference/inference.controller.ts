import { Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { presentedCertificate } from '@praesidium/access';
import { markPipelineAudited } from '../edge-refusal-auditor.js';
import { JOSE_MEDIA_TYPE } from '../jose/jose-request-body.js';
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
  async infer(
    @Param('name') modelName: string,
    @Req() request: FastifyRequest & { rawBody?: Buffer },
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const call = {
      modelName,
      authorizationFields: request.raw.headersDistinct.authorization ?? [],
      rawBody: request.rawBody ?? Buffer.alloc(0),
      body: request.body,
      correlationId: String(request.id),
      remoteAddress: request.ip,
      connection: { certificate: presentedCertificate(request.raw.socket) },
    };
    // Checked before the pipeline marks the call: a refusal here is audited as an edge refusal.
    const encrypted = ResponseEncryption.isRequested(request.headers.accept);
    if (encrypted) await this.encryption.checkRecipient(call);
    markPipelineAudited(request);
    const answer = await this.pipeline.infer(call);
    if (!encrypted) return answer;
    const sealed = await this.encryption.seal(call, answer);
    void reply.header('content-type', JOSE_MEDIA_TYPE);
    return sealed;
  }
}
