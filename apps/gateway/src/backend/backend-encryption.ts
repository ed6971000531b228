import { Injectable } from '@nestjs/common';
import { BackendKeyDirectory, encryptionKey, type EncryptionKey } from '@praesidium/keys';

/** How long a backend's key is reused: a new registration takes effect within this time. */
const CACHE_MS = 2000;

export interface SealedBody {
  readonly body: Uint8Array;
  readonly contentType: string;
}

/**
 * JWE to backends that registered a key (`praesidium keys register-backend`): the forwarded body
 * goes as a compact JWE to that key; other backends get JSON (protect those with mutual TLS or a
 * private network). The gateway assertion stays bound to the plaintext, which the backend hashes
 * after decrypting.
 */
@Injectable()
export class BackendEncryption {
  private readonly cache = new Map<string, { expires: number; key: Promise<EncryptionKey | undefined> }>();

  constructor(private readonly directory: BackendKeyDirectory) {}

  async seal(backendUrl: string, body: Uint8Array): Promise<SealedBody> {
    const key = await this.keyOf(backendUrl);
    if (!key) return { body, contentType: 'application/json' };
    return {
      body: Buffer.from(await key.encrypt(body, 'application/json')),
      contentType: 'application/jose',
    };
  }

  /** Calls arriving while the directory is read share that read: one query per expiry, not one per call. */
  private keyOf(backendUrl: string): Promise<EncryptionKey | undefined> {
    const cached = this.cache.get(backendUrl);
    if (cached && cached.expires > Date.now()) return cached.key;
    const key = this.directory.find(backendUrl).then((jwk) => (jwk ? encryptionKey(jwk) : undefined));
    const entry = { expires: Date.now() + CACHE_MS, key };
    this.cache.set(backendUrl, entry);
    // A failed read is not remembered: the next call asks again.
    key.catch(() => {
      if (this.cache.get(backendUrl) === entry) this.cache.delete(backendUrl);
    });
    return key;
  }
}
