import type { Repository } from 'typeorm';
import { checkEncryptionPublicJwk, type Jwk } from '../jose.js';
import type { BackendKeyEntity } from './backend-key.entity.js';

/**
 * The encryption keys model backends registered, by backend URL (the registry's `backendUrl` of a
 * version: the gateway's backend client knows the URL it calls, and the registry stays as it is).
 */
export class BackendKeyDirectory {
  constructor(private readonly keys: Repository<BackendKeyEntity>) {}

  /** Checks the key (throws JweError) and makes it the backend's key. */
  async register(backendUrl: string, jwk: Jwk, registeredBy: string): Promise<Jwk> {
    const checked = await checkEncryptionPublicJwk(jwk);
    await this.keys.upsert(
      {
        backendUrl: new URL(backendUrl).href,
        kid: checked.kid,
        jwk: checked as Record<string, string>,
        registeredBy,
        registeredAt: new Date(),
      },
      ['backendUrl'],
    );
    return checked;
  }

  async find(backendUrl: string): Promise<Jwk | undefined> {
    const row = await this.keys.findOneBy({ backendUrl: new URL(backendUrl).href });
    return row ? (row.jwk as Jwk) : undefined;
  }
}
