import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { GATEWAY_ASSERTION_ISSUER, GATEWAY_ASSERTION_JWS_TYPE } from '@praesidium/access';
import { sha256Hex } from '@praesidium/digest';
import { KeyStore, signJwt } from '@praesidium/keys';

const LIFETIME_SECONDS = 30;

export interface AssertionSubject {
  readonly caller: string;
  readonly model: string;
  readonly modelVersion: string;
  readonly purposeOfUse: string;
}

/**
 * What a backend receives instead of the caller's token: a 30-second ES256 assertion from the
 * gateway, for one model, bound to the forwarded body by its SHA-256, typed
 * `praesidium-gateway-assertion+jwt`.
 */
@Injectable()
export class GatewayAssertionSigner {
  constructor(private readonly keyStore: KeyStore) {}

  sign(subject: AssertionSubject, body: Uint8Array): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return signJwt(
      this.keyStore.current('gateway-assertion'),
      {
        iss: GATEWAY_ASSERTION_ISSUER,
        aud: subject.model,
        sub: subject.caller,
        iat: now,
        exp: now + LIFETIME_SECONDS,
        jti: randomUUID(),
        model_version: subject.modelVersion,
        purpose_of_use: subject.purposeOfUse,
        body_sha256: sha256Hex(body),
      },
      GATEWAY_ASSERTION_JWS_TYPE,
    );
  }
}
