import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import path from 'node:path';
import { generateKey, toPublicJwk, type Jwk, type Jwks, type KeyKind } from './jose.js';

/** What each platform key is for. */
export const KEY_PURPOSES = {
  'demo-issuer': 'sign',
  'gateway-assertion': 'sign',
  'gateway-encryption': 'encrypt',
  pseudonym: 'hmac',
} as const satisfies Record<string, KeyKind>;

export type KeyPurpose = keyof typeof KEY_PURPOSES;

interface StoredKey {
  purpose: KeyPurpose;
  createdAt: string;
  jwk: Jwk;
}

interface KeyStoreFile {
  version: 1;
  keys: StoredKey[];
}

const FILE_NAME = 'keystore.json';

/**
 * The platform's private keys, generated on first start into `<dataDir>/keys/keystore.json`
 * (directory 0700, file 0600). The newest key of a purpose is the current one; older keys stay for
 * verification and decryption during rotation.
 */
export class KeyStore {
  private constructor(private readonly file: KeyStoreFile) {}

  static async openOrCreate(dataDir: string): Promise<KeyStore> {
    const dir = path.join(dataDir, 'keys');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const filePath = path.join(dir, FILE_NAME);
    const existing = await readKeyFile(filePath);
    if (existing) return new KeyStore(existing);
    const created: KeyStoreFile = { version: 1, keys: await generateAll() };
    try {
      // 'wx' fails if another process created the store meanwhile; then that one wins and we read it.
      await writeFile(filePath, JSON.stringify(created, null, 2), { mode: 0o600, flag: 'wx' });
      await chmod(filePath, 0o600);
      return new KeyStore(created);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const winner = await readKeyFile(filePath);
      if (!winner) throw new Error(`key store ${filePath} could not be read`, { cause: error });
      return new KeyStore(winner);
    }
  }

  /** The current private key of a purpose. */
  current(purpose: KeyPurpose): Jwk {
    const keys = this.file.keys.filter((key) => key.purpose === purpose);
    const newest = keys[keys.length - 1];
    if (!newest) throw new Error(`no ${purpose} key in the key store`);
    return newest.jwk;
  }

  /** The public keys of a purpose, current first, as a JWKS document. */
  async publicJwks(purpose: KeyPurpose): Promise<Jwks> {
    const keys = this.file.keys.filter((key) => key.purpose === purpose).reverse();
    return { keys: await Promise.all(keys.map((key) => toPublicJwk(key.jwk))) };
  }

  /** Raw bytes of the current symmetric key of a purpose (for HMAC). */
  secret(purpose: KeyPurpose): Buffer {
    const jwk = this.current(purpose);
    if (jwk.kty !== 'oct' || typeof jwk.k !== 'string') throw new Error(`${purpose} is not a symmetric key`);
    return Buffer.from(jwk.k, 'base64url');
  }
}

async function readKeyFile(filePath: string): Promise<KeyStoreFile | undefined> {
  try {
    return JSON.parse(await readFile(filePath, 'utf8')) as KeyStoreFile;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function generateAll(): Promise<StoredKey[]> {
  const createdAt = new Date().toISOString();
  const entries = Object.entries(KEY_PURPOSES) as [KeyPurpose, KeyKind][];
  return Promise.all(
    entries.map(async ([purpose, kind]) => ({
      purpose,
      createdAt,
      jwk: await generateKey(kind, `${purpose}-${randomBytes(6).toString('hex')}`),
    })),
  );
}
