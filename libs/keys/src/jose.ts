// The only file that imports node-jose (unmaintained since 2023): every JOSE operation of Praesidium
// goes through these functions, so the library can be replaced in one place.
import jose from 'node-jose';

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

export type KeyKind = 'sign' | 'encrypt' | 'hmac' | 'wrap';

/**
 * Generates a new private key: ES256 for signatures, ECDH-ES on P-256 for JWE, 256-bit oct for HMAC
 * and for wrapping data keys (a key-encryption key, used with AES-256-GCM).
 */
export async function generateKey(kind: KeyKind, kid: string): Promise<Jwk> {
  const store = jose.JWK.createKeyStore();
  const key =
    kind === 'sign'
      ? await store.generate('EC', 'P-256', { alg: 'ES256', use: 'sig', kid })
      : kind === 'encrypt'
        ? await store.generate('EC', 'P-256', { alg: 'ECDH-ES', use: 'enc', kid })
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

/** Signs a JWT (compact JWS) with a private key. */
export async function signJwt(
  privateJwk: Jwk,
  claims: Record<string, unknown>,
  typ = 'JWT',
): Promise<string> {
  const key = await jose.JWK.asKey(privateJwk);
  const signer = jose.JWS.createSign(
    { format: 'compact', fields: { typ, alg: privateJwk.alg ?? 'ES256', kid: privateJwk.kid } },
    key,
  );
  return (await signer.update(JSON.stringify(claims), 'utf8').final()) as unknown as string;
}

/** A verification key set prepared once and reused for every token it checks. */
export interface VerificationKeys {
  readonly kids: ReadonlySet<string>;
  verify(token: string, algorithms: readonly string[]): Promise<Uint8Array>;
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
    async verify(token, algorithms) {
      const result = await jose.JWS.createVerify(store, {
        algorithms: [...algorithms],
        allowEmbeddedKey: false,
      }).verify(token);
      return result.payload;
    },
  };
}
