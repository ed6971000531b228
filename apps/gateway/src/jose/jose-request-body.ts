import { createHash } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import type { PraesidiumConfig } from '@praesidium/config';
import { DecryptionKeyRing, jweProblem } from '@praesidium/keys';
import { ProblemError } from '@praesidium/problem';
import { bodyLimitFor, largestBodyLimit, setBodySha256 } from '../request-body.js';

export const JOSE_MEDIA_TYPE = 'application/jose';

/**
 * Accepts `Content-Type: application/jose` bodies: a compact JWE to one of the gateway's published
 * encryption keys, whose plaintext is the usual JSON request. The JWE's size is limited before
 * anything is decrypted (the body limit, grown by base64url's 4/3 and the JWE's own overhead), and
 * the plaintext is held to the body limit itself. The plaintext then replaces the raw body, so the
 * pipeline runs unchanged and the audit trail's request hash is that of the plaintext: the bytes the
 * JSON was read from, the same whether the call came encrypted or not.
 */
export function acceptJoseRequestBodies(app: NestFastifyApplication, config: PraesidiumConfig): void {
  const ring = app.get(DecryptionKeyRing);
  const fastify = app.getHttpAdapter().getInstance();
  // The parser of plain JSON bodies, refusing `__proto__` and `constructor.prototype` keys: a decrypted
  // body gets no more latitude than a clear one (it would be forwarded, and refused by the backend).
  const jsonParser = fastify.getDefaultJsonParser('error', 'error') as (
    request: FastifyRequest,
    body: string,
    done: (error: Error | null, value?: unknown) => void,
  ) => void;
  const parseJson = (request: FastifyRequest, text: string) =>
    new Promise<unknown>((resolve, reject) =>
      jsonParser(request, text, (error, value) => (error ? reject(error) : resolve(value))),
    );
  fastify.addContentTypeParser(
    JOSE_MEDIA_TYPE,
    // The JWE's own size was held to its model's limit as it streamed in (request-body.ts).
    { parseAs: 'string', bodyLimit: largestBodyLimit(config) },
    async (request: FastifyRequest & { rawBody?: Buffer }, body: string | Buffer) => {
      const plaintext = await ring.decrypt(String(body)).catch((error: unknown) => {
        throw jweProblem(error);
      });
      if (plaintext.length > bodyLimitFor(request, config)) throw new ProblemError('request.too_large');
      request.rawBody = plaintext;
      setBodySha256(request, createHash('sha256').update(plaintext).digest('hex'));
      return parseJson(request, plaintext.toString('utf8')).catch(() => {
        throw new ProblemError('request.invalid', 'The decrypted body is not valid JSON');
      });
    },
  );
}
