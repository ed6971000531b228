import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** Media types of an evaluation file upload, and the format each means. */
export const EVALUATION_MEDIA_TYPES = {
  'text/csv': 'csv',
  'application/x-ndjson': 'ndjson',
} as const;

/**
 * Evaluation files are uploaded as the request body itself (no multipart, no server-side path), kept
 * as bytes so the dataset hash is of exactly what was sent, with a limit of their own: the app's
 * general JSON body limit stays small.
 */
export function acceptEvaluationUploads(app: NestFastifyApplication, limitBytes: number): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addContentTypeParser(
      Object.keys(EVALUATION_MEDIA_TYPES),
      { parseAs: 'buffer', bodyLimit: limitBytes },
      (_request, body, done) => done(null, body),
    );
}
