import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PraesidiumConfig } from '@praesidium/config';
import { ProblemError } from '@praesidium/problem';

const BODY_SHA256 = Symbol('praesidium.bodySha256');
type HashedRequest = FastifyRequest & { [BODY_SHA256]?: string };

/** The largest body any route may take: Fastify's own limit, above which nothing is read. */
export function largestBodyLimit(config: PraesidiumConfig): number {
  return Math.max(config.gateway.bodyLimitBytes, ...Object.values(config.gateway.modelBodyLimits));
}

/** SHA-256 (hex) of the request body, computed as it streamed in. */
export function bodySha256(request: FastifyRequest): string | undefined {
  return (request as HashedRequest)[BODY_SHA256];
}

/**
 * Every request body is measured and hashed as it streams in, before any parsing: a body over its
 * model's limit (`PRAESIDIUM_GATEWAY_MODEL_BODY_LIMITS`, else `PRAESIDIUM_GATEWAY_BODY_LIMIT_BYTES`)
 * is refused with `request.too_large` from its Content-Length, or as soon as it grows past the limit;
 * the audit record's request hash comes from this single pass. Bodies stay in memory only: never
 * written to disk, never logged.
 */
export function installBodyLimits(fastify: FastifyInstance, config: PraesidiumConfig): void {
  const { bodyLimitBytes, modelBodyLimits } = config.gateway;
  fastify.addHook('preParsing', async (request, _reply, payload) => {
    const name = (request.params as { name?: unknown } | undefined)?.name;
    const limit = (typeof name === 'string' ? modelBodyLimits[name] : undefined) ?? bodyLimitBytes;
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) throw new ProblemError('request.too_large');
    const hash = createHash('sha256');
    let size = 0;
    const measured = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        if (size > limit) {
          callback(new ProblemError('request.too_large'));
          return;
        }
        hash.update(chunk);
        callback(null, chunk);
      },
      flush(callback) {
        (request as HashedRequest)[BODY_SHA256] = hash.digest('hex');
        callback();
      },
    });
    payload.on('error', (error) => measured.destroy(error));
    return payload.pipe(measured);
  });
}
