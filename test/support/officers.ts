import { ACCESS_TOKEN_JWS_TYPE } from '@praesidium/config';
import { signJwt } from '@praesidium/keys';
import type { Role } from '@praesidium/access';
import type { TestPlatform } from './platform.js';

/** A token of the demo issuer for someone who is not a demo persona (a second security officer…). */
export async function tokenFor(
  platform: TestPlatform,
  subject: string,
  roles: readonly Role[],
  attributes: { departments?: readonly string[]; trainings?: readonly string[]; site?: string } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return signJwt(
    platform.keyStore.current('demo-issuer'),
    {
      iss: platform.config.auth.issuer,
      aud: platform.config.auth.audience,
      sub: subject,
      roles,
      department: attributes.departments ?? [],
      trainings: attributes.trainings ?? [],
      ...(attributes.site ? { site: attributes.site } : {}),
      iat: now,
      exp: now + 600,
    },
    ACCESS_TOKEN_JWS_TYPE,
  );
}
