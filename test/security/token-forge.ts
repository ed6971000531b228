// Hand-made JWTs for the hostile-token suite: every byte of header, payload and signature is chosen
// here with node:crypto, so a case can break exactly one rule and keep everything else valid.
import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import type { Jwk } from '@praesidium/keys';

/** A segment's content: a string is taken as the raw text (so `'"x"'` is a JSON string), else JSON. */
export type Segment = string | Record<string, unknown> | unknown[];

export function b64url(input: string | Buffer): string {
  return Buffer.from(input).toString('base64url');
}

export function encodeSegment(segment: Segment): string {
  return b64url(typeof segment === 'string' ? segment : JSON.stringify(segment));
}

/** A key that signs: ES256 (P-256), RS256 (RSA) or HS256 (a shared secret). */
export type Signer =
  | { readonly alg: 'ES256'; readonly key: KeyObject }
  | { readonly alg: 'RS256'; readonly key: KeyObject }
  | { readonly alg: 'HS256'; readonly secret: Buffer | string };

export function signature(signer: Signer, signingInput: string): string {
  switch (signer.alg) {
    case 'ES256':
      // JWS wants the raw r||s pair (RFC 7518 3.4), not DER.
      return sign('sha256', Buffer.from(signingInput), {
        key: signer.key,
        dsaEncoding: 'ieee-p1363',
      }).toString('base64url');
    case 'RS256':
      return sign('sha256', Buffer.from(signingInput), signer.key).toString('base64url');
    case 'HS256':
      return createHmac('sha256', signer.secret).update(signingInput).digest('base64url');
  }
}

/** A compact JWS over exactly the given header and payload; unsigned (empty signature) without a signer. */
export function forge(header: Segment, payload: Segment, signer?: Signer): string {
  const signingInput = `${encodeSegment(header)}.${encodeSegment(payload)}`;
  return `${signingInput}.${signer ? signature(signer, signingInput) : ''}`;
}

/** The private key object of a JWK from the platform key store. */
export function privateKeyOf(jwk: Jwk): KeyObject {
  return createPrivateKey({ key: jwk as unknown as JsonWebKey, format: 'jwk' });
}

/** The issuer's public key as PEM (SPKI): what an algorithm-confusion attacker feeds to HMAC. */
export function publicPemOf(jwk: Jwk): string {
  return createPublicKey(privateKeyOf(jwk)).export({ type: 'spki', format: 'pem' }).toString();
}

export interface AttackerKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  /** The raw SubjectPublicKeyInfo (DER, base64): not a certificate, but enough to tempt an x5c-trusting verifier. */
  readonly spkiBase64: string;
  /** The public JWK with kid, alg and use: what the attacker would publish or embed. */
  readonly publicJwk: Record<string, unknown>;
  readonly es256: Signer;
}

/** An ES256 key the platform has never seen. */
export function attackerEcKey(kid: string): AttackerKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    kid,
    privateKey,
    spkiBase64: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' },
    es256: { alg: 'ES256', key: privateKey },
  };
}

/** An RSA key for RS256, an algorithm the gateway does not allow by default. */
export function attackerRsaSigner(): Signer {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { alg: 'RS256', key: privateKey };
}
