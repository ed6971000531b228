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
  return singleBearerToken(authorizationFields(request));
}

/**
 * Every Authorization field of a request. Node's `headersDistinct` has them all; a request injected
 * in process (light-my-request, as the web console calls the API) has no `headersDistinct`, and its
 * one `authorization` header was set by our own code, never by a client.
 */
export function authorizationFields(request: IncomingMessage): readonly string[] {
  // Absent on injected requests, whatever the Node typing says.
  if (request.headersDistinct) return request.headersDistinct.authorization ?? [];
  const value = request.headers.authorization;
  return value === undefined ? [] : [value].flat();
}

/** The bearer token when exactly one Authorization field was sent (`headersDistinct`). */
export function singleBearerToken(fields: readonly string[]): string {
  if (fields.length !== 1) throw new ProblemError('token.missing');
  return bearerToken(fields[0]);
}
