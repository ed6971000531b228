import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { AuditTrail } from '@praesidium/audit';

/** Set on a request whose outcome the inference pipeline audits itself. */
export const PIPELINE_AUDITED = Symbol('praesidium.pipelineAudited');

type MarkedRequest = FastifyRequest & { [PIPELINE_AUDITED]?: boolean };

export function markPipelineAudited(request: FastifyRequest): void {
  (request as MarkedRequest)[PIPELINE_AUDITED] = true;
}

/**
 * Refusals made before the pipeline runs (body too large, not JSON, unknown route) are audited too,
 * so a security officer sees probing. Recorded after the answer is sent: no model was reached, so
 * nothing waits on the record; a failed append is dropped rather than turned into an error.
 */
export function auditEdgeRefusals(app: NestFastifyApplication): void {
  const trail = app.get(AuditTrail);
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', async (request, reply, payload) => {
      if (reply.statusCode < 400 || (request as MarkedRequest)[PIPELINE_AUDITED]) return payload;
      void trail
        .append({
          action: 'gateway.request',
          outcome: reply.statusCode >= 500 ? 'failure' : 'refused',
          reasonCode: reasonCodeOf(payload),
          agent: { subject: 'unauthenticated', address: request.ip },
          correlationId: String(request.id),
        })
        .catch(() => undefined);
      return payload;
    });
}

function reasonCodeOf(payload: unknown): string | undefined {
  if (typeof payload !== 'string') return undefined;
  try {
    const code = (JSON.parse(payload) as { code?: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}
