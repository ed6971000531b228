import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signJwt, verificationKeys } from './jose.js';
import { KeyStore } from './key-store.js';
import { Pseudonymizer } from './pseudonymizer.js';

describe('KeyStore', () => {
  it('generates the platform keys once, into a file only its owner can read', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'praesidium-keys-'));
    const first = await KeyStore.openOrCreate(dir);
    const again = await KeyStore.openOrCreate(dir);
    expect(again.current('gateway-assertion').kid).toBe(first.current('gateway-assertion').kid);
    const info = await stat(path.join(dir, 'keys', 'keystore.json'));
    expect(info.mode & 0o777).toBe(0o600);
  });

  it('adds a key for a purpose a newer release introduced, keeping the existing keys', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'praesidium-keys-'));
    const first = await KeyStore.openOrCreate(dir);
    const file = path.join(dir, 'keys', 'keystore.json');
    const stored = JSON.parse(await readFile(file, 'utf8')) as { keys: { purpose: string }[] };
    await writeFile(
      file,
      JSON.stringify({ ...stored, keys: stored.keys.filter((key) => key.purpose !== 'audit-checkpoint') }),
    );
    const upgraded = await KeyStore.openOrCreate(dir);
    expect(upgraded.current('pseudonym')).toEqual(first.current('pseudonym'));
    expect(upgraded.current('audit-checkpoint').kid).toMatch(/^audit-checkpoint-/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('adds the RSA encryption key to a store made when the gateway had an EC one only', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'praesidium-keys-'));
    const first = await KeyStore.openOrCreate(dir);
    const file = path.join(dir, 'keys', 'keystore.json');
    const stored = JSON.parse(await readFile(file, 'utf8')) as { keys: { jwk: { alg?: string } }[] };
    await writeFile(
      file,
      JSON.stringify({ ...stored, keys: stored.keys.filter((key) => key.jwk.alg !== 'RSA-OAEP-256') }),
    );
    const upgraded = await KeyStore.openOrCreate(dir);
    const [ec, rsa] = upgraded.currentKeys('gateway-encryption');
    expect(ec).toEqual(first.currentKeys('gateway-encryption')[0]);
    expect(rsa).toMatchObject({ kty: 'RSA', alg: 'RSA-OAEP-256', use: 'enc' });
  });

  it('gives processes that start together one and the same set of keys', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'praesidium-keys-'));
    const stores = await Promise.all(Array.from({ length: 5 }, () => KeyStore.openOrCreate(dir)));
    const kids = new Set(stores.map((store) => store.current('gateway-assertion').kid));
    expect(kids.size).toBe(1);
  });

  it('publishes only public keys, which verify what the private key signed', async () => {
    const store = await KeyStore.openOrCreate(await mkdtemp(path.join(tmpdir(), 'praesidium-keys-')));
    const jwks = await store.publicJwks('demo-issuer');
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const token = await signJwt(store.current('demo-issuer'), { sub: 'x' });
    const keys = await verificationKeys(jwks);
    const payload = JSON.parse(
      Buffer.from(await keys.verify(token, { algorithms: ['ES256'], expectedTyp: 'JWT' })).toString('utf8'),
    );
    expect(payload.sub).toBe('x');
    await expect(keys.verify(token, { algorithms: ['RS256'], expectedTyp: 'JWT' })).rejects.toThrow();
  });

  it('pseudonymizes one patient the same way whatever the reference spelling', async () => {
    const store = await KeyStore.openOrCreate(await mkdtemp(path.join(tmpdir(), 'praesidium-keys-')));
    const pseudonymizer = new Pseudonymizer(store.secret('pseudonym'));
    expect(pseudonymizer.pseudonymize('Patient/123')).toBe(pseudonymizer.pseudonymize(' 123 '));
    expect(pseudonymizer.pseudonymize('Patient/123')).not.toBe(pseudonymizer.pseudonymize('Patient/124'));
    expect(pseudonymizer.pseudonymize('Patient/123')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
