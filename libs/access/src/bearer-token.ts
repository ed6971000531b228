import type { IncomingMessage } from 'node:http';
import { ProblemError } from '@praesidium/problem';

/** The token of an `Authorization: Bearer …` header, or `token.missing`. */
export function bearerToken(authorization: string | undefined): string {
  const match = /^Bearer ([^\s]+)$/i.exec(authorization ?? '');
  if (!match) throw new ProblemError('token.missing');
  return match[1];
}

/**
 * The bearer token of a request that carries exactly one Authorization field. Node would keep the
 * first of several and drop the rest, so a proxy reading another one would see another credential.
 */
export function requestBearerToken(request: IncomingMessage): string {
  return singleBearerToken(request.headersDistinct.authorization ?? []);
}

/** The bearer token when exactly one Authorization field was sent (`headersDistinct`). */
export function singleBearerToken(fields: readonly string[]): string {
  if (fields.length !== 1) throw new ProblemError('token.missing');
  return bearerToken(fields[0]);
}
