import { readFile } from 'node:fs/promises';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { decryptionKey, jweProblem, type Jwk } from '@praesidium/keys';
import { ProblemError } from '@praesidium/problem';

/**
 * How a backend that registered a key with the gateway takes its requests: JWE (the assertion guard
 * refuses JSON with 415), decrypted with its private key; the plaintext becomes the raw body, so the
 * gateway assertion's body hash is checked against what the model reads.
 */
export async function takeJoseBodiesOnly(app: NestFastifyApplication, keyFile: string): Promise<void> {
  const key = await decryptionKey(JSON.parse(await readFile(keyFile, 'utf8')) as Jwk);
  app
    .getHttpAdapter()
    .getInstance()
    .addContentTypeParser(
      'application/jose',
      { parseAs: 'string' },
      async (request: FastifyRequest & { rawBody?: Buffer }, body: string | Buffer) => {
        const plaintext = await key.decrypt(String(body)).catch((error: unknown) => {
          throw jweProblem(error);
        });
        request.rawBody = plaintext;
        try {
          return JSON.parse(plaintext.toString('utf8')) as unknown;
        } catch {
          throw new ProblemError('request.invalid', 'The decrypted body is not valid JSON');
        }
      },
    );
}
