import { stat } from 'node:fs/promises';
import { decryptionKey, JweError, readJweHeader, type DecryptionKey, type Jwks } from './jose.js';
import { isRetired, KeyStore, type KeyPurpose } from './key-store.js';

export interface DecryptionKeyRingOptions {
  /** Least time between two looks at the key store file (a `stat`), so probing costs no disk reads. */
  readonly minReloadMs?: number;
  readonly now?: () => Date;
}

/**
 * The private keys of one purpose that may decrypt now: the current ones and the superseded ones
 * still within their grace period. A running process picks up a rotation by itself: at most once per
 * `minReloadMs` it checks whether the key store file changed and re-reads it, so a new `kid` works
 * and a retired one is refused without a restart.
 */
export class DecryptionKeyRing {
  private readonly prepared = new Map<string, Promise<DecryptionKey>>();
  private readonly minReloadMs: number;
  private readonly now: () => Date;
  private lastCheck = 0;
  private fileVersion: string | undefined;

  constructor(
    private readonly dataDir: string,
    private store: KeyStore,
    private readonly purpose: KeyPurpose,
    options: DecryptionKeyRingOptions = {},
  ) {
    this.minReloadMs = options.minReloadMs ?? 1000;
    this.now = options.now ?? (() => new Date());
  }

  /** Decrypts a compact JWE to one of the ring's keys; every refusal is a JweError. */
  async decrypt(token: string): Promise<Buffer> {
    const { kid } = readJweHeader(token);
    await this.refresh();
    const stored = this.store.keysOf(this.purpose).find((key) => key.jwk.kid === kid);
    if (!stored) throw new JweError('key_unknown', 'the JWE names a key the gateway does not hold');
    if (isRetired(stored, this.now()))
      throw new JweError('key_retired', 'the key the JWE names is retired; fetch the current keys');
    let key = this.prepared.get(kid);
    if (!key) {
      key = decryptionKey(stored.jwk);
      this.prepared.set(kid, key);
    }
    return (await key).decrypt(token);
  }

  /** The public keys that encrypt to this ring now (retired ones left out), current first. */
  async publicJwks(): Promise<Jwks> {
    await this.refresh();
    return this.store.publicJwks(this.purpose, this.now());
  }

  private async refresh(): Promise<void> {
    const now = Date.now();
    if (now - this.lastCheck < this.minReloadMs) return;
    this.lastCheck = now;
    const info = await stat(KeyStore.filePath(this.dataDir)).catch(() => undefined);
    const version = info ? `${info.ino}:${info.mtimeMs}:${info.size}` : undefined;
    // The first look re-reads too: the store handed in may predate a rotation made since.
    if (version === undefined || version === this.fileVersion) return;
    this.store = await KeyStore.openOrCreate(this.dataDir);
    this.fileVersion = version;
  }
}
