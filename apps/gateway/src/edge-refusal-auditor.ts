import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { AuditTrail } from '@praesidium/audit';
import type { ClientErrorListener } from '@praesidium/http';

/** Set on a request whose outcome the inference pipeline audits itself. */
export const PIPELINE_AUDITED = Symbol('praesidium.pipelineAudited');

type MarkedRequest = FastifyRequest & { [PIPELINE_AUDITED]?: boolean };

export function markPipelineAudited(request: FastifyRequest): void {
  (request as MarkedRequest)[PIPELINE_AUDITED] = true;
}

/**
 * Refusals made before the pipeline runs (headers or body too large, not JSON, unknown route) are
 * audited too, so a security officer sees probing. Recorded after the answer is sent: no model was
 * reached, so nothing waits on the record; a failed append is dropped rather than turned into an error.
 */
export class EdgeRefusalAuditor {
  private readonly trail: AuditTrail;

  constructor(app: NestFastifyApplication) {
    this.trail = app.get(AuditTrail);
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onSend', async (request, reply, payload) => {
        if (reply.statusCode >= 400 && !(request as MarkedRequest)[PIPELINE_AUDITED]) {
          this.record(
            reply.statusCode >= 500 ? 'failure' : 'refused',
            reasonCodeOf(payload),
            String(request.id),
            request.ip,
          );
        }
        return payload;
      });
  }

  /** A request Node refused before Fastify saw it (see createHttpApp). */
  recordClientError(refusal: Parameters<ClientErrorListener>[0]): void {
    this.record('refused', refusal.code, refusal.correlationId, refusal.address);
  }

  private record(
    outcome: 'refused' | 'failure',
    reasonCode: string | undefined,
    correlationId: string,
    address?: string,
  ): void {
    void this.trail
      .append({
        action: 'gateway.request',
        outcome,
        reasonCode,
        agent: { subject: 'unauthenticated', ...(address ? { address } : {}) },
        correlationId,
      })
      .catch(() => undefined);
  }
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
