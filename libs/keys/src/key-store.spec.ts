import { mkdtemp, stat } from 'node:fs/promises';
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

  it('publishes only public keys, which verify what the private key signed', async () => {
    const store = await KeyStore.openOrCreate(await mkdtemp(path.join(tmpdir(), 'praesidium-keys-')));
    const jwks = await store.publicJwks('demo-issuer');
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const token = await signJwt(store.current('demo-issuer'), { sub: 'x' });
    const keys = await verificationKeys(jwks);
    const payload = JSON.parse(Buffer.from(await keys.verify(token, ['ES256'])).toString('utf8'));
    expect(payload.sub).toBe('x');
    await expect(keys.verify(token, ['RS256'])).rejects.toThrow();
  });

  it('pseudonymizes one patient the same way whatever the reference spelling', async () => {
    const store = await KeyStore.openOrCreate(await mkdtemp(path.join(tmpdir(), 'praesidium-keys-')));
    const pseudonymizer = new Pseudonymizer(store.secret('pseudonym'));
    expect(pseudonymizer.pseudonymize('Patient/123')).toBe(pseudonymizer.pseudonymize(' 123 '));
    expect(pseudonymizer.pseudonymize('Patient/123')).not.toBe(pseudonymizer.pseudonymize('Patient/124'));
    expect(pseudonymizer.pseudonymize('Patient/123')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
