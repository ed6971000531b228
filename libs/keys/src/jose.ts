// The only file that imports node-jose (unmaintained since 2023): every JOSE operation of Praesidium
// goes through these functions, so the library can be replaced in one place.
import {
  createPrivateKey,
  generateKeyPairSync,
  sign as cryptoSign,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import jose from 'node-jose';
import { checkJwsType, JwsError } from './jws-type.js';

export interface Jwk {
  kty: string;
  kid: string;
  alg?: string;
  use?: string;
  crv?: string;
  [member: string]: unknown;
}

export interface Jwks {
  keys: Jwk[];
}

export type KeyKind = 'sign' | 'encrypt' | 'encrypt-rsa' | 'hmac' | 'wrap';

/** The `alg` a key of each kind carries: how a stored key's kind is recognized. */
export const KEY_KIND_ALGORITHMS: Record<KeyKind, string | undefined> = {
  sign: 'ES256',
  encrypt: 'ECDH-ES',
  'encrypt-rsa': 'RSA-OAEP-256',
  wrap: 'A256GCMKW',
  hmac: undefined,
};

/**
 * Generates a new private key: ES256 for signatures, ECDH-ES on P-256 and RSA-OAEP-256 (2048 bits)
 * for JWE, 256-bit oct for HMAC and for wrapping data keys (a key-encryption key, used with AES-256-GCM).
 */
export async function generateKey(kind: KeyKind, kid: string): Promise<Jwk> {
  const store = jose.JWK.createKeyStore();
  const key =
    kind === 'sign'
      ? await store.generate('EC', 'P-256', { alg: 'ES256', use: 'sig', kid })
      : kind === 'encrypt'
        ? await store.generate('EC', 'P-256', { alg: 'ECDH-ES', use: 'enc', kid })
        : kind === 'encrypt-rsa'
          ? await store.generate('RSA', 2048, { alg: 'RSA-OAEP-256', use: 'enc', kid })
          : kind === 'wrap'
            ? await store.generate('oct', 256, { kid, use: 'enc', alg: 'A256GCMKW' })
            : await store.generate('oct', 256, { kid, use: 'sig' });
  return key.toJSON(true) as Jwk;
}

/** The public half of a private JWK (oct keys have none and are refused). */
export async function toPublicJwk(privateJwk: Jwk): Promise<Jwk> {
  if (privateJwk.kty === 'oct') throw new Error('symmetric keys have no public form');
  const key = await jose.JWK.asKey(privateJwk);
  return key.toJSON(false) as Jwk;
}

/** ECDSA JWS algorithms node:crypto signs directly, with the digest each uses (RFC 7518 §3.4). */
const ECDSA: Readonly<Record<string, { digest: string; crv: string }>> = {
  ES256: { digest: 'sha256', crv: 'P-256' },
  ES384: { digest: 'sha384', crv: 'P-384' },
  ES512: { digest: 'sha512', crv: 'P-521' },
};

/**
 * Signing keys prepared once, by their JWK object: the gateway signs an assertion on every call with
 * the same key object from the key store. A rotation brings new objects; the old ones (and their
 * prepared forms) are then collected.
 */
const preparedSigningKeys = new WeakMap<Jwk, KeyObject>();
const importedSigningKeys = new WeakMap<Jwk, ReturnType<typeof jose.JWK.asKey>>();

function signingKey(privateJwk: Jwk): ReturnType<typeof jose.JWK.asKey> {
  let key = importedSigningKeys.get(privateJwk);
  if (!key) {
    key = jose.JWK.asKey(privateJwk);
    importedSigningKeys.set(privateJwk, key);
    // A key that fails to import is not remembered.
    key.catch(() => importedSigningKeys.delete(privateJwk));
  }
  return key;
}

function ecdsaKey(privateJwk: Jwk): KeyObject {
  let key = preparedSigningKeys.get(privateJwk);
  if (!key) {
    key = createPrivateKey({ key: privateJwk as JsonWebKey, format: 'jwk' });
    preparedSigningKeys.set(privateJwk, key);
  }
  return key;
}

/**
 * Signs a JWT (compact JWS) with a private key. ECDSA (ES256, the algorithm of every key Praesidium
 * generates) is signed with node:crypto: node-jose spent ~0.8 ms of CPU per signature converting the
 * key through node-forge, against ~0.06 ms here, and the gateway signs one assertion per call. The
 * signature is the JWS form (r‖s, RFC 7518 §3.4), not DER. Other algorithms go through node-jose.
 */
export async function signJwt(
  privateJwk: Jwk,
  claims: Record<string, unknown>,
  typ = 'JWT',
): Promise<string> {
  const alg = privateJwk.alg ?? 'ES256';
  const ecdsa = Object.hasOwn(ECDSA, alg) ? ECDSA[alg] : undefined;
  if (ecdsa && privateJwk.kty === 'EC' && privateJwk.crv === ecdsa.crv) {
    const header = Buffer.from(JSON.stringify({ alg, kid: privateJwk.kid, typ })).toString('base64url');
    const signingInput = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const signature = cryptoSign(ecdsa.digest, Buffer.from(signingInput), {
      key: ecdsaKey(privateJwk),
      dsaEncoding: 'ieee-p1363',
    });
    return `${signingInput}.${signature.toString('base64url')}`;
  }
  const key = await signingKey(privateJwk);
  const signer = jose.JWS.createSign({ format: 'compact', fields: { typ, alg, kid: privateJwk.kid } }, key);
  return (await signer.update(JSON.stringify(claims), 'utf8').final()) as unknown as string;
}

/** What a verifier accepts of a JWS, stated by each caller. */
export interface JwsExpectation {
  /** The allowed `alg` values (never `none`). */
  readonly algorithms: readonly string[];
  /**
   * The `typ` the protected header must carry (RFC 8725 §3.11, compared as RFC 7515 says: see
   * `isJwsType`); a JWS without it, or with another, is refused after its signature is checked.
   * `undefined` only for tokens of outside issuers that type all their JWTs alike (`JWT`), which the
   * caller then tells apart by their claims.
   */
  readonly expectedTyp: string | undefined;
}

/** A verification key set prepared once and reused for every token it checks. */
export interface VerificationKeys {
  readonly kids: ReadonlySet<string>;
  /**
   * The payload of a compact JWS signed with one of the keys. Throws a `JwsError`: `signature_invalid`
   * (also for a malformed JWS or a disallowed algorithm), or `type_unexpected` (the signature holds).
   */
  verify(token: string, expected: JwsExpectation): Promise<Uint8Array>;
}

/**
 * Prepares a JWKS for verification. Embedded keys (`jwk` header) are never trusted and `jku`/`x5u`
 * are never fetched: node-jose only uses the keys given here.
 */
export async function verificationKeys(jwks: Jwks): Promise<VerificationKeys> {
  const usable = jwks.keys.filter((key) => key.kty !== 'oct' && key.use !== 'enc');
  const store = await jose.JWK.asKeyStore({ keys: usable });
  return {
    kids: new Set(usable.map((key) => key.kid)),
    async verify(token, { algorithms, expectedTyp }) {
      let payload: Uint8Array;
      try {
        const result = await jose.JWS.createVerify(store, {
          algorithms: [...algorithms],
          allowEmbeddedKey: false,
        }).verify(token);
        payload = result.payload;
      } catch {
        // node-jose's messages say nothing a caller should see.
        throw new JwsError('signature_invalid', 'the JWS does not verify with the trusted keys');
      }
      // After the signature: a refusal for its typ then says the JWS is genuine, of another kind.
      if (expectedTyp !== undefined) checkJwsType(token, expectedTyp);
      return payload;
    },
  };
}

// ---- JWE (RFC 7516): compact serialization only, two key-management algorithms, one content cipher ----

/** Key management algorithms the gateway accepts and uses: ECDH-ES on P-256, RSA-OAEP-256. */
export const JWE_KEY_ALGORITHMS = ['ECDH-ES', 'RSA-OAEP-256'] as const;
/** The only content encryption: AES-256-GCM. */
export const JWE_CONTENT_ENCRYPTION = 'A256GCM';
/**
 * Header members refused outright: `zip` (inflating before authentication invites decompression
 * bombs), `crit` (extensions we do not implement), and every member that names a key, since the
 * recipient key is chosen by `kid` among our own keys only.
 */
const FORBIDDEN_JWE_HEADERS = ['zip', 'crit', 'jku', 'jwk', 'x5u', 'x5c', 'x5t', 'x5t#S256'] as const;

export type JweKeyAlgorithm = (typeof JWE_KEY_ALGORITHMS)[number];

/** Why a JWE was refused; callers map each to a reason code. */
export type JweFailure =
  | 'malformed'
  | 'algorithm_forbidden'
  | 'header_forbidden'
  | 'key_unknown'
  | 'key_retired'
  | 'decryption_failed';

export class JweError extends Error {
  constructor(
    readonly failure: JweFailure,
    detail: string,
  ) {
    super(detail);
    this.name = 'JweError';
  }
}

export interface JweHeader {
  readonly alg: JweKeyAlgorithm;
  readonly enc: typeof JWE_CONTENT_ENCRYPTION;
  readonly kid: string;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Reads and checks the protected header of a compact JWE before any key is touched: five base64url
 * parts, a JSON object header, an allowed `alg`/`enc`, no forbidden member, and a `kid`.
 */
export function readJweHeader(token: string): JweHeader {
  const parts = token.trim().split('.');
  if (parts.length !== 5 || !parts.every((part) => BASE64URL.test(part)))
    throw new JweError('malformed', 'a compact JWE has five base64url parts');
  if (!parts[0] || !parts[2] || !parts[4])
    throw new JweError('malformed', 'the header, IV and tag of a JWE cannot be empty');
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
  } catch {
    throw new JweError('malformed', 'the JWE header is not JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw new JweError('malformed', 'the JWE header is not a JSON object');
  const fields = header as Record<string, unknown>;
  const forbidden = FORBIDDEN_JWE_HEADERS.find((name) => Object.hasOwn(fields, name));
  if (forbidden) throw new JweError('header_forbidden', `the JWE header member ${forbidden} is refused`);
  if (!(JWE_KEY_ALGORITHMS as readonly unknown[]).includes(fields.alg))
    throw new JweError('algorithm_forbidden', `alg must be one of ${JWE_KEY_ALGORITHMS.join(', ')}`);
  if (fields.enc !== JWE_CONTENT_ENCRYPTION)
    throw new JweError('algorithm_forbidden', `enc must be ${JWE_CONTENT_ENCRYPTION}`);
  if (typeof fields.kid !== 'string' || fields.kid.length === 0 || fields.kid.length > 256)
    throw new JweError('key_unknown', 'the JWE header must name the recipient key by kid');
  return { alg: fields.alg as JweKeyAlgorithm, enc: JWE_CONTENT_ENCRYPTION, kid: fields.kid };
}

/** A private key prepared once for decryption. */
export interface DecryptionKey {
  readonly kid: string;
  readonly alg: string;
  /** Decrypts a compact JWE whose header `readJweHeader` accepted for this key. */
  decrypt(token: string): Promise<Buffer>;
}

export async function decryptionKey(privateJwk: Jwk): Promise<DecryptionKey> {
  const key = await jose.JWK.asKey(privateJwk);
  const alg = String(privateJwk.alg);
  const decrypter = jose.JWE.createDecrypt(key, {
    algorithms: [alg, JWE_CONTENT_ENCRYPTION],
    handlers: {},
  });
  return {
    kid: privateJwk.kid,
    alg,
    async decrypt(token) {
      const header = readJweHeader(token);
      if (header.kid !== privateJwk.kid) throw new JweError('key_unknown', 'the JWE is for another key');
      if (header.alg !== alg)
        throw new JweError('algorithm_forbidden', `the key ${privateJwk.kid} is used with ${alg} only`);
      try {
        const result = await decrypter.decrypt(token.trim());
        return result.plaintext;
      } catch {
        // node-jose's messages say nothing a caller should see (and nothing of the plaintext).
        throw new JweError('decryption_failed', 'the JWE does not decrypt with the named key');
      }
    },
  };
}

/** A recipient's public key prepared once for encryption: ECDH-ES for EC keys, RSA-OAEP-256 for RSA. */
export interface EncryptionKey {
  readonly kid: string;
  readonly alg: JweKeyAlgorithm;
  encrypt(plaintext: Uint8Array, contentType?: string): Promise<string>;
}

export async function encryptionKey(publicJwk: Jwk): Promise<EncryptionKey> {
  const checked = await checkEncryptionPublicJwk(publicJwk);
  const key = await jose.JWK.asKey(checked);
  const alg: JweKeyAlgorithm = checked.kty === 'EC' ? 'ECDH-ES' : 'RSA-OAEP-256';
  return {
    kid: checked.kid,
    alg,
    async encrypt(plaintext, contentType) {
      const encrypter = jose.JWE.createEncrypt(
        {
          format: 'compact',
          contentAlg: JWE_CONTENT_ENCRYPTION,
          fields: { alg, kid: checked.kid, ...(contentType ? { cty: contentType } : {}) },
        },
        alg === 'ECDH-ES' ? ecdhRecipient(key) : key,
      );
      return encrypter.update(Buffer.from(plaintext)).final();
    },
  };
}

/**
 * ECDH-ES needs a fresh ephemeral key per message. node-jose makes it in pure JavaScript (~20 ms,
 * see bench:jose); node:crypto makes it in ~50 µs, and node-jose takes it as the recipient's `epk`.
 */
function ecdhRecipient(key: jose.JWK.Key): jose.JWK.Key {
  const ephemeral = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  return { key, epk: ephemeral } as unknown as jose.JWK.Key;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/**
 * Checks a public key someone registers for encryption: EC P-256 or RSA of at least 2048 bits,
 * `use: enc`, no private member. Returns it with its RFC 7638 thumbprint as `kid` when it had none.
 */
export async function checkEncryptionPublicJwk(jwk: Jwk): Promise<Jwk> {
  if (jwk.use !== 'enc') throw new JweError('malformed', 'the key must say use: enc');
  const leaked = PRIVATE_MEMBERS.find((name) => Object.hasOwn(jwk, name));
  if (leaked) throw new JweError('malformed', `a public key has no ${leaked} member`);
  if (jwk.kty === 'EC' && jwk.crv !== 'P-256') throw new JweError('malformed', 'EC keys must be on P-256');
  if (jwk.kty !== 'EC' && jwk.kty !== 'RSA') throw new JweError('malformed', 'the key must be EC or RSA');
  if (jwk.alg !== undefined && jwk.alg !== (jwk.kty === 'EC' ? 'ECDH-ES' : 'RSA-OAEP-256'))
    throw new JweError('algorithm_forbidden', 'EC keys take ECDH-ES, RSA keys RSA-OAEP-256');
  let key: jose.JWK.Key;
  try {
    key = await jose.JWK.asKey(jwk);
  } catch {
    throw new JweError('malformed', 'the key does not parse');
  }
  if (jwk.kty === 'RSA' && key.length < 2048)
    throw new JweError('malformed', 'RSA keys need 2048 bits or more');
  const kid =
    typeof jwk.kid === 'string' && jwk.kid.length > 0
      ? jwk.kid
      : // node-jose's types omit the hash argument and say string; it takes one and gives a Buffer.
        Buffer.from(
          await (key.thumbprint as unknown as (hash: string) => Promise<Uint8Array>).call(key, 'SHA-256'),
        ).toString('base64url');
  return { ...(key.toJSON(false) as Jwk), kid, use: 'enc' };
}
