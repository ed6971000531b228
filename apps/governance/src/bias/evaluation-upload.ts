import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { ProblemError } from '@praesidium/problem';

/** Media types of an evaluation file upload, and the format each means. */
export const EVALUATION_MEDIA_TYPES = {
  'text/csv': 'csv',
  'application/x-ndjson': 'ndjson',
} as const;

/** The one route that takes an evaluation file (`POST /bias-reports`). */
const UPLOAD_ROUTE = '/bias-reports';

/**
 * Evaluation files are uploaded as the request body itself (no multipart, no server-side path), kept
 * as bytes so the dataset hash is of exactly what was sent, with a limit of their own: the app's
 * general JSON body limit stays small. That limit is large (64 MiB by default), so such a body is read
 * only for its route, refused from the headers anywhere else; like every body, only from a caller
 * whose token verified before it was read (authenticate-before-body.ts).
 */
export function acceptEvaluationUploads(app: NestFastifyApplication, limitBytes: number): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('preParsing', async (request, _reply, payload) => {
    if (!isEvaluationUpload(request)) return payload;
    if (request.method !== 'POST' || request.routeOptions.url !== UPLOAD_ROUTE)
      throw new ProblemError('request.unsupported_media_type');
    return payload;
  });
  fastify.addContentTypeParser(
    Object.keys(EVALUATION_MEDIA_TYPES),
    { parseAs: 'buffer', bodyLimit: limitBytes },
    (_request, body, done) => done(null, body),
  );
}

function isEvaluationUpload(request: FastifyRequest): boolean {
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  return Object.hasOwn(EVALUATION_MEDIA_TYPES, mediaType);
}
