import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { DecryptionKeyRing } from './decryption-key-ring.js';
import {
  checkEncryptionPublicJwk,
  encryptionKey,
  generateKey,
  JweError,
  toPublicJwk,
  type Jwk,
} from './jose.js';
import { KeyStore } from './key-store.js';

/** Replaces the protected header of a compact JWE, keeping the rest. */
function withHeader(
  token: string,
  change: (header: Record<string, unknown>) => Record<string, unknown>,
): string {
  const [header, ...rest] = token.split('.');
  const parsed = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>;
  return [Buffer.from(JSON.stringify(change(parsed))).toString('base64url'), ...rest].join('.');
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof JweError) return error.failure;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('JWE through the key ring', () => {
  let dataDir: string;
  let ring: DecryptionKeyRing;
  let ecKey: Jwk;
  let rsaKey: Jwk;
  const plaintext = Buffer.from(JSON.stringify({ inputs: [1, 2, 3] }));

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'praesidium-jwe-'));
    const store = await KeyStore.openOrCreate(dataDir);
    ring = new DecryptionKeyRing(dataDir, store, 'gateway-encryption', { minReloadMs: 0 });
    const jwks = await ring.publicJwks();
    ecKey = jwks.keys.find((key) => key.kty === 'EC') as Jwk;
    rsaKey = jwks.keys.find((key) => key.kty === 'RSA') as Jwk;
  });

  it('publishes an ECDH-ES and an RSA-OAEP-256 public key for encryption, nothing private', () => {
    expect(ecKey).toMatchObject({ use: 'enc', alg: 'ECDH-ES', crv: 'P-256' });
    expect(rsaKey).toMatchObject({ use: 'enc', alg: 'RSA-OAEP-256' });
    expect(ecKey).not.toHaveProperty('d');
    expect(rsaKey).not.toHaveProperty('d');
  });

  it.each(['EC', 'RSA'])('decrypts what a client encrypted to the %s key', async (kty) => {
    const key = await encryptionKey(kty === 'EC' ? ecKey : rsaKey);
    const token = await key.encrypt(plaintext);
    expect((await ring.decrypt(token)).equals(plaintext)).toBe(true);
  });

  it('refuses a tampered tag or ciphertext, a forbidden alg, enc or zip, and an unknown kid', async () => {
    const token = await (await encryptionKey(ecKey)).encrypt(plaintext);
    const parts = token.split('.');
    const flip = (part: string) => `${part[0] === 'A' ? 'B' : 'A'}${part.slice(1)}`;
    expect(await refusal(ring.decrypt([...parts.slice(0, 4), flip(parts[4])].join('.')))).toBe(
      'decryption_failed',
    );
    expect(await refusal(ring.decrypt([...parts.slice(0, 3), flip(parts[3]), parts[4]].join('.')))).toBe(
      'decryption_failed',
    );
    expect(await refusal(ring.decrypt(withHeader(token, (h) => ({ ...h, alg: 'RSA1_5' }))))).toBe(
      'algorithm_forbidden',
    );
    expect(await refusal(ring.decrypt(withHeader(token, (h) => ({ ...h, alg: 'dir' }))))).toBe(
      'algorithm_forbidden',
    );
    expect(await refusal(ring.decrypt(withHeader(token, (h) => ({ ...h, enc: 'A128CBC-HS256' }))))).toBe(
      'algorithm_forbidden',
    );
    expect(await refusal(ring.decrypt(withHeader(token, (h) => ({ ...h, zip: 'DEF' }))))).toBe(
      'header_forbidden',
    );
    expect(await refusal(ring.decrypt(withHeader(token, (h) => ({ ...h, kid: 'nobody' }))))).toBe(
      'key_unknown',
    );
    // The EC key named with the RSA algorithm: a key is used with its own algorithm only.
    expect(await refusal(ring.decrypt(withHeader(token, (h) => ({ ...h, alg: 'RSA-OAEP-256' }))))).toBe(
      'algorithm_forbidden',
    );
    expect(await refusal(ring.decrypt('not.a.jwe'))).toBe('malformed');
    // An ephemeral key off the curve (invalid-curve attack) is refused, never used.
    const offCurve = withHeader(token, (h) => {
      const epk = h.epk as { y: string };
      return { ...h, epk: { ...epk, y: flip(epk.y) } };
    });
    expect(await refusal(ring.decrypt(offCurve))).toBe('decryption_failed');
  });

  it('keeps a superseded key working during its grace period, then refuses it as retired', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'praesidium-jwe-rotate-'));
    let now = new Date();
    const own = new DecryptionKeyRing(dir, await KeyStore.openOrCreate(dir), 'gateway-encryption', {
      minReloadMs: 0,
      now: () => now,
    });
    const old = (await own.publicJwks()).keys.find((key) => key.kty === 'EC') as Jwk;
    await KeyStore.rotateWithGrace(dir, 'gateway-encryption', 60);
    const published = await own.publicJwks();
    expect(published.keys.map((key) => key.kid)).toContain(old.kid);
    expect(published.keys).toHaveLength(4);
    const toOld = await (await encryptionKey(old)).encrypt(plaintext);
    expect((await own.decrypt(toOld)).equals(plaintext)).toBe(true);

    now = new Date(Date.now() + 61_000);
    expect(await refusal(own.decrypt(toOld))).toBe('key_retired');
    expect((await own.publicJwks()).keys.map((key) => key.kid)).not.toContain(old.kid);
  });

  it('ends every older key by the end of the grace period a rotation gives, however long an earlier one gave', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'praesidium-jwe-rerotate-'));
    const own = new DecryptionKeyRing(dir, await KeyStore.openOrCreate(dir), 'gateway-encryption', {
      minReloadMs: 0,
    });
    const first = (await own.publicJwks()).keys.find((key) => key.kty === 'EC') as Jwk;
    await KeyStore.rotateWithGrace(dir, 'gateway-encryption', 90 * 86400);
    const toFirst = await (await encryptionKey(first)).encrypt(plaintext);
    expect((await own.decrypt(toFirst)).equals(plaintext)).toBe(true);

    // A key believed compromised: the officer rotates again with no grace (the API's only tool).
    await KeyStore.rotateWithGrace(dir, 'gateway-encryption', 0);
    expect(await refusal(own.decrypt(toFirst))).toBe('key_retired');
    const published = await own.publicJwks();
    expect(published.keys.map((key) => key.kid)).not.toContain(first.kid);
    expect(published.keys).toHaveLength(2);
  });

  it('accepts a client key only if it is an EC P-256 or RSA >= 2048 public key for encryption', async () => {
    const ec = await toPublicJwk(await generateKey('encrypt', 'client-ec'));
    expect(await checkEncryptionPublicJwk(ec)).toMatchObject({ kid: 'client-ec', use: 'enc' });
    const { kid: _kid, ...noKid } = ec;
    expect((await checkEncryptionPublicJwk(noKid as Jwk)).kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await refusal(checkEncryptionPublicJwk({ ...ec, use: 'sig' }))).toBe('malformed');
    expect(await refusal(checkEncryptionPublicJwk(await generateKey('encrypt', 'private')))).toBe(
      'malformed',
    );
    expect(await refusal(checkEncryptionPublicJwk({ ...ec, crv: 'P-384' }))).toBe('malformed');
    expect(await refusal(checkEncryptionPublicJwk({ kty: 'oct', kid: 'x', use: 'enc', k: 'AAAA' }))).toBe(
      'malformed',
    );
  });

  it('refuses any other input with a JweError, never another exception (property-based)', async () => {
    const valid = await (await encryptionKey(ecKey)).encrypt(plaintext);
    const segment = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{0,80}$/), fc.string({ maxLength: 40 }));
    const header = fc
      .dictionary(fc.constantFrom('alg', 'enc', 'kid', 'zip', 'epk', 'crit', 'cty', 'p2c'), fc.jsonValue(), {
        maxKeys: 6,
      })
      .map((fields) => withHeader(valid, () => fields));
    const epk = fc
      .record({ kty: fc.constantFrom('EC', 'RSA', 'oct'), crv: fc.string(), x: fc.string(), y: fc.string() })
      .map((point) => withHeader(valid, (h) => ({ ...h, epk: point })));
    const mutated = fc
      .tuple(fc.nat({ max: valid.length - 1 }), fc.string({ minLength: 1, maxLength: 4 }))
      .map(([at, text]) => `${valid.slice(0, at)}${text}${valid.slice(at + text.length)}`);
    const input = fc.oneof(
      fc.array(segment, { minLength: 1, maxLength: 7 }).map((parts) => parts.join('.')),
      header,
      epk,
      mutated,
      fc.string(),
    );
    await fc.assert(
      fc.asyncProperty(input, async (token) => {
        try {
          const decrypted = await ring.decrypt(token);
          // Only an unchanged JWE decrypts, to the plaintext it carried.
          expect(decrypted.equals(plaintext)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(JweError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
