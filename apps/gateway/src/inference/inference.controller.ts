import { Controller, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { timingOf } from '../call-timing.js';
import { AuthenticateBeforeBody, authenticatedCaller } from '../caller-authentication.js';
import { markPipelineAudited } from '../edge-refusal-auditor.js';
import { ResponseEncryption } from '../jose/response-encryption.js';
import { bodySha256 } from '../request-body.js';
import { InferencePipeline, type InferenceCall } from './inference-pipeline.service.js';

type GatewayRequest = FastifyRequest & { rawBody?: Buffer };

/** What the pipeline needs of an HTTP request, the same for every protocol. */
export function inferenceCall(request: GatewayRequest, modelName: string, version?: string): InferenceCall {
  // Authenticated from the headers, before the body was read (caller-authentication.ts).
  const caller = authenticatedCaller(request);
  markPipelineAudited(request);
  return {
    modelName,
    ...(version !== undefined ? { version } : {}),
    caller,
    rawBody: request.rawBody ?? Buffer.alloc(0),
    body: request.body,
    requestSha256: bodySha256(request),
    correlationId: String(request.id),
    remoteAddress: request.ip,
    connection: caller.connection,
    timing: timingOf(request),
  };
}

/** Open Inference Protocol v2: the only way to a model. */
@Controller('v2/models')
export class InferenceController {
  constructor(
    private readonly pipeline: InferencePipeline,
    private readonly encryption: ResponseEncryption,
  ) {}

  /** The deployed version. */
  @Post(':name/infer')
  @HttpCode(200)
  @AuthenticateBeforeBody('infer')
  infer(
    @Param('name') modelName: string,
    @Req() request: GatewayRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    // Encrypted on request (Accept: application/jose); see jose/response-encryption.ts.
    return this.encryption.answer(request, reply, () =>
      this.pipeline.infer(inferenceCall(request, modelName)),
    );
  }

  /** A pinned version: served only if the registry has it approved or deployed. */
  @Post(':name/versions/:version/infer')
  @HttpCode(200)
  @AuthenticateBeforeBody('infer')
  inferVersion(
    @Param('name') modelName: string,
    @Param('version') version: string,
    @Req() request: GatewayRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.encryption.answer(request, reply, () =>
      this.pipeline.infer(inferenceCall(request, modelName, version)),
    );
  }
}
