import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateKey, KEY_KIND_ALGORITHMS, toPublicJwk, type Jwk, type Jwks, type KeyKind } from './jose.js';

/** What each platform key is for; a purpose with several kinds gets one key of each, rotated together. */
export const KEY_PURPOSES = {
  'demo-issuer': 'sign',
  'gateway-assertion': 'sign',
  'gateway-encryption': ['encrypt', 'encrypt-rsa'],
  pseudonym: 'hmac',
  'audit-checkpoint': 'sign',
  'consent-document-kek': 'wrap',
  /** Signs the manifest of a regulatory submission bundle (`praesidium docs generate`). */
  'regulatory-bundle': 'sign',
  /** Encrypts the web console's session cookie (shared by every governance process). */
  'console-session': 'hmac',
} as const satisfies Record<string, KeyKind | readonly KeyKind[]>;

export type KeyPurpose = keyof typeof KEY_PURPOSES;

/** One key of the store as its users see it. */
export interface StoredKey {
  readonly purpose: KeyPurpose;
  readonly createdAt: string;
  /** Set when a rotation superseded the key: it keeps working until then (the grace period), never after. */
  readonly retiresAt?: string;
  readonly jwk: Jwk;
}

interface KeyKindOfPurpose {
  readonly purpose: KeyPurpose;
  readonly kind: KeyKind;
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

  /** The public keys of a purpose not yet retired, current first, as a JWKS document. */
  async publicJwks(purpose: KeyPurpose, now = new Date()): Promise<Jwks> {
    const keys = this.keysOf(purpose)
      .filter((key) => !isRetired(key, now))
      .reverse();
    return { keys: await Promise.all(keys.map((key) => toPublicJwk(key.jwk))) };
  }

  /** Every key of a purpose, oldest first, retired ones included. */
  keysOf(purpose: KeyPurpose): readonly StoredKey[] {
    return this.file.keys.filter((key) => key.purpose === purpose);
  }

  /** The path of the store's file, whose modification time tells running processes of a rotation. */
  static filePath(dataDir: string): string {
    return path.join(dataDir, 'keys', FILE_NAME);
  }

  /**
   * Rotation with a grace period: adds a new current key of each kind of the purpose and gives every
   * older key `retiresAt = now + graceSeconds`, or keeps its end if that comes sooner. So a rotation
   * never lengthens a key's life, and after a rotation with a short grace (a key believed compromised)
   * no older key outlives the one it just superseded.
   */
  static async rotateWithGrace(
    dataDir: string,
    purpose: KeyPurpose,
    graceSeconds: number,
  ): Promise<KeyStore> {
    await KeyStore.openOrCreate(dataDir);
    return KeyStore.update(dataDir, async (current) => {
      const end = Date.now() + graceSeconds * 1000;
      const retiresAt = new Date(end).toISOString();
      const superseded = current.keys.map((key) =>
        key.purpose === purpose && (key.retiresAt === undefined || Date.parse(key.retiresAt) > end)
          ? { ...key, retiresAt }
          : key,
      );
      return { ...current, keys: [...superseded, ...(await generateKeys(kindsOf([purpose])))] };
    });
  }

  /** Ends the grace period of every superseded key of a purpose now (a key believed compromised). */
  static async retireSuperseded(dataDir: string, purpose: KeyPurpose): Promise<KeyStore> {
    await KeyStore.openOrCreate(dataDir);
    return KeyStore.update(dataDir, async (current) => {
      const now = new Date();
      const store = new KeyStore(current);
      const currentKids = new Set(store.currentKeys(purpose).map((key) => key.kid));
      const keys = current.keys.map((key) =>
        key.purpose === purpose && !currentKids.has(key.jwk.kid) && !isRetired(key, now)
          ? { ...key, retiresAt: now.toISOString() }
          : key,
      );
      return Promise.resolve({ ...current, keys });
    });
  }

  /** The newest key of each kind of a purpose: what is used to encrypt or sign now. */
  currentKeys(purpose: KeyPurpose): Jwk[] {
    return kindsOf([purpose]).flatMap(({ kind }) => {
      const ofKind = this.keysOf(purpose).filter((key) => key.jwk.alg === KEY_KIND_ALGORITHMS[kind]);
      const newest = ofKind[ofKind.length - 1];
      return newest ? [newest.jwk] : [];
    });
  }

  private static async update(
    dataDir: string,
    change: (current: KeyStoreFile) => Promise<KeyStoreFile>,
  ): Promise<KeyStore> {
    const filePath = KeyStore.filePath(dataDir);
    return withLock(path.join(dataDir, 'keys', 'keystore.lock'), async () => {
      const changed = await change((await readKeyFile(filePath)) ?? { version: 1, keys: [] });
      await writeKeyFile(filePath, changed);
      return new KeyStore(changed);
    });
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
        keys: [...current.keys, ...(await generateKeys(kindsOf([purpose])))],
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

/** A key is retired once its grace period is over; keys that were never superseded have none. */
export function isRetired(key: StoredKey, now: Date): boolean {
  return key.retiresAt !== undefined && Date.parse(key.retiresAt) <= now.getTime();
}

function kindsOf(purposes: readonly KeyPurpose[]): KeyKindOfPurpose[] {
  return purposes.flatMap((purpose) => {
    const kinds: KeyKind | readonly KeyKind[] = KEY_PURPOSES[purpose];
    return (typeof kinds === 'string' ? [kinds] : kinds).map((kind) => ({ purpose, kind }));
  });
}

/** Each (purpose, kind) without a key: a new purpose, or a new kind of an existing purpose. */
function missingPurposes(file: KeyStoreFile): KeyKindOfPurpose[] {
  return kindsOf(Object.keys(KEY_PURPOSES) as KeyPurpose[]).filter(
    ({ purpose, kind }) =>
      !file.keys.some((key) => key.purpose === purpose && key.jwk.alg === KEY_KIND_ALGORITHMS[kind]),
  );
}

async function generateKeys(wanted: readonly KeyKindOfPurpose[]): Promise<StoredKey[]> {
  const createdAt = new Date().toISOString();
  return Promise.all(
    wanted.map(async ({ purpose, kind }) => ({
      purpose,
      createdAt,
      jwk: await generateKey(kind, `${purpose}-${randomBytes(6).toString('hex')}`),
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
