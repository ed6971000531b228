import { randomUUID } from 'node:crypto';
import { ACCESS_TOKEN_JWS_TYPE, type PraesidiumConfig } from '@praesidium/config';
import { signJwt, type KeyStore } from '@praesidium/keys';
import { ProblemError } from '@praesidium/problem';
import { PERSONAS, type PersonaName } from './personas.js';

/**
 * A short-lived token for a demo persona from the built-in demo issuer; refused in production. Typed
 * `at+jwt` (RFC 9068), which the demo issuer's verifier requires.
 */
export async function mintDemoToken(
  keyStore: KeyStore,
  config: PraesidiumConfig,
  persona: PersonaName,
  lifetimeSeconds = 3600,
): Promise<string> {
  if (config.isProduction || !config.demo) throw new ProblemError('token.demo_refused');
  const person = PERSONAS[persona];
  const now = Math.floor(Date.now() / 1000);
  return signJwt(
    keyStore.current('demo-issuer'),
    {
      iss: config.auth.issuer,
      aud: config.auth.audience,
      sub: person.subject,
      name: person.name,
      roles: person.roles,
      department: person.departments,
      site: person.site,
      trainings: person.trainings,
      iat: now,
      nbf: now,
      exp: now + Math.min(lifetimeSeconds, config.auth.maxTokenLifetimeSeconds),
      jti: randomUUID(),
    },
    ACCESS_TOKEN_JWS_TYPE,
  );
}
