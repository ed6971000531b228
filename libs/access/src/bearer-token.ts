import { ProblemError } from '@praesidium/problem';

/** The token of an `Authorization: Bearer …` header, or `token.missing`. */
export function bearerToken(authorization: string | undefined): string {
  const match = /^Bearer ([^\s]+)$/i.exec(authorization ?? '');
  if (!match) throw new ProblemError('token.missing');
  return match[1];
}
