import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateKey, toPublicJwk, type Jwk, type Jwks, type KeyKind } from './jose.js';

/** What each platform key is for. */
export const KEY_PURPOSES = {
  'demo-issuer': 'sign',
  'gateway-assertion': 'sign',
  'gateway-encryption': 'encrypt',
  pseudonym: 'hmac',
  'audit-checkpoint': 'sign',
  'consent-document-kek': 'wrap',
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

  /**
   * Opens the store, creating it, or adding a key for any purpose a newer release introduced. Writers
   * take `keystore.lock` and replace the file atomically, so concurrent starts agree on one set of keys.
   */
  static async openOrCreate(dataDir: string): Promise<KeyStore> {
    const dir = path.join(dataDir, 'keys');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const filePath = path.join(dir, FILE_NAME);
    const existing = await readKeyFile(filePath);
    if (existing && missingPurposes(existing).length === 0) return new KeyStore(existing);
    return withLock(path.join(dir, 'keystore.lock'), async () => {
      const current = (await readKeyFile(filePath)) ?? { version: 1, keys: [] };
      const missing = missingPurposes(current);
      if (missing.length === 0) return new KeyStore(current);
      const completed: KeyStoreFile = {
        ...current,
        keys: [...current.keys, ...(await generateKeys(missing))],
      };
      await writeKeyFile(filePath, completed);
      return new KeyStore(completed);
    });
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

  /**
   * Adds a new current key for a purpose; the older ones stay, for what was signed or wrapped with them.
   * Processes that opened the store before see the new key once they open it again.
   */
  static async rotate(dataDir: string, purpose: KeyPurpose): Promise<KeyStore> {
    await KeyStore.openOrCreate(dataDir);
    const filePath = path.join(dataDir, 'keys', FILE_NAME);
    return withLock(path.join(dataDir, 'keys', 'keystore.lock'), async () => {
      const current = (await readKeyFile(filePath)) ?? { version: 1, keys: [] };
      const rotated: KeyStoreFile = {
        ...current,
        keys: [...current.keys, ...(await generateKeys([purpose]))],
      };
      await writeKeyFile(filePath, rotated);
      return new KeyStore(rotated);
    });
  }

  /** Raw bytes of a symmetric key of a purpose by its key id, current or older; undefined if unknown. */
  secretById(purpose: KeyPurpose, kid: string): Buffer | undefined {
    const jwk = this.file.keys.find((key) => key.purpose === purpose && key.jwk.kid === kid)?.jwk;
    if (!jwk) return undefined;
    if (jwk.kty !== 'oct' || typeof jwk.k !== 'string') throw new Error(`${purpose} is not a symmetric key`);
    return Buffer.from(jwk.k, 'base64url');
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

async function writeKeyFile(filePath: string, file: KeyStoreFile): Promise<void> {
  const temporary = `${filePath}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(file, null, 2), { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, filePath);
}

function missingPurposes(file: KeyStoreFile): KeyPurpose[] {
  const present = new Set(file.keys.map((key) => key.purpose));
  return (Object.keys(KEY_PURPOSES) as KeyPurpose[]).filter((purpose) => !present.has(purpose));
}

async function generateKeys(purposes: readonly KeyPurpose[]): Promise<StoredKey[]> {
  const createdAt = new Date().toISOString();
  return Promise.all(
    purposes.map(async (purpose) => ({
      purpose,
      createdAt,
      jwk: await generateKey(KEY_PURPOSES[purpose], `${purpose}-${randomBytes(6).toString('hex')}`),
    })),
  );
}

const LOCK_WAIT_MS = 10_000;
const STALE_LOCK_MS = 30_000;

/** An exclusive lock file between processes; a lock left by a crash is taken over after 30 s. */
async function withLock<T>(lockPath: string, work: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      await writeFile(lockPath, String(process.pid), { flag: 'wx', mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age =
        Date.now() -
        (await stat(lockPath)
          .then((info) => info.mtimeMs)
          .catch(() => Date.now()));
      if (age > STALE_LOCK_MS) await rm(lockPath, { force: true });
      else if (Date.now() > deadline)
        throw new Error(`the key store is locked by ${lockPath}`, { cause: error });
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  try {
    return await work();
  } finally {
    await rm(lockPath, { force: true });
  }
}
