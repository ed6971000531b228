import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { checkEncryptionPublicJwk, type Jwk } from '../jose.js';
import { ClientKeyEntity } from './client-key.entity.js';

/** Whose key: the issuer and subject of a verified token. */
export interface KeyOwner {
  readonly issuer: string;
  readonly subject: string;
}

export interface ClientKeyView {
  readonly kid: string;
  readonly jwk: Jwk;
  readonly registeredAt: string;
}

/**
 * The public keys principals register so the gateway can encrypt their responses. One current key
 * per principal: registering again replaces it (that is how a client rotates its own key).
 */
@Injectable()
export class ClientKeyDirectory {
  constructor(@InjectRepository(ClientKeyEntity) private readonly keys: Repository<ClientKeyEntity>) {}

  /** Checks the key (throws JweError) and makes it the owner's current key. */
  async register(owner: KeyOwner, jwk: Jwk): Promise<ClientKeyView> {
    const checked = await checkEncryptionPublicJwk(jwk);
    const row = {
      ...owner,
      kid: checked.kid,
      jwk: checked as Record<string, string>,
      registeredAt: new Date(),
    };
    await this.keys.upsert(row, ['issuer', 'subject']);
    return toView(row);
  }

  async find(owner: KeyOwner): Promise<ClientKeyView | undefined> {
    const row = await this.keys.findOneBy({ issuer: owner.issuer, subject: owner.subject });
    return row ? toView(row) : undefined;
  }
}

function toView(row: ClientKeyEntity): ClientKeyView {
  return { kid: row.kid, jwk: row.jwk as Jwk, registeredAt: row.registeredAt.toISOString() };
}
