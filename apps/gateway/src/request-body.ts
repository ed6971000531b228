import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PraesidiumConfig } from '@praesidium/config';
import { announcesBody, refuseBeforeBody } from '@praesidium/http';
import { ProblemError } from '@praesidium/problem';

const BODY_SHA256 = Symbol('praesidium.bodySha256');
type HashedRequest = FastifyRequest & { [BODY_SHA256]?: string };

/** The largest body any route may take: Fastify's own limit, above which nothing is read. */
export function largestBodyLimit(config: PraesidiumConfig): number {
  return jweSizeLimit(
    Math.max(config.gateway.bodyLimitBytes, ...Object.values(config.gateway.modelBodyLimits)),
  );
}

/** SHA-256 (hex) of the request body, computed as it streamed in. */
export function bodySha256(request: FastifyRequest): string | undefined {
  return (request as HashedRequest)[BODY_SHA256];
}

/** Replaces the body hash: a decrypted JWE's plaintext is the body the pipeline and audit see. */
export function setBodySha256(request: FastifyRequest, sha256: string): void {
  (request as HashedRequest)[BODY_SHA256] = sha256;
}

/** The body limit of the model a request names, else the gateway's. */
export function bodyLimitFor(request: FastifyRequest, config: PraesidiumConfig): number {
  const { bodyLimitBytes, modelBodyLimits } = config.gateway;
  const name = (request.params as { name?: unknown } | undefined)?.name;
  return (typeof name === 'string' ? modelBodyLimits[name] : undefined) ?? bodyLimitBytes;
}

/** Room for a JWE's protected header (an `epk`), encrypted key, IV and tag around the ciphertext. */
const JWE_OVERHEAD_BYTES = 16 * 1024;

/** How large a compact JWE of a plaintext of `limit` bytes may be: base64url's 4/3 and the overhead. */
export function jweSizeLimit(limit: number): number {
  return Math.ceil((limit * 4) / 3) + JWE_OVERHEAD_BYTES;
}

/**
 * Every request body is measured and hashed as it streams in, before any parsing: a body over its
 * model's limit (`PRAESIDIUM_GATEWAY_MODEL_BODY_LIMITS`, else `PRAESIDIUM_GATEWAY_BODY_LIMIT_BYTES`)
 * is refused with `request.too_large` from its Content-Length, or as soon as it grows past the limit;
 * the audit record's request hash comes from this single pass. Bodies stay in memory only: never
 * written to disk, never logged. A body sent to no route is refused from the headers, unread: Fastify
 * would otherwise read it (up to the general limit) for its 404.
 */
export function installBodyLimits(fastify: FastifyInstance, config: PraesidiumConfig): void {
  fastify.addHook('onRequest', async (request, reply) => {
    if (request.is404 && announcesBody(request))
      refuseBeforeBody(reply, new ProblemError('request.not_found'));
  });
  fastify.addHook('preParsing', async (request, reply, payload) => {
    const plaintextLimit = bodyLimitFor(request, config);
    // A JWE is larger than its plaintext; the plaintext is held to the limit once decrypted.
    const limit = isJose(request) ? jweSizeLimit(plaintextLimit) : plaintextLimit;
    const declared = Number(request.headers['content-length']);
    // Closed once refused, here and mid-body: kept alive, Node would drain the rest of the body.
    if (Number.isFinite(declared) && declared > limit)
      refuseBeforeBody(reply, new ProblemError('request.too_large'));
    const hash = createHash('sha256');
    let size = 0;
    const measured = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        if (size > limit) {
          void reply.header('connection', 'close');
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

function isJose(request: FastifyRequest): boolean {
  return (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase() === 'application/jose';
}
