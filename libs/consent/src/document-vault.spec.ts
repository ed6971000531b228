import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KeyStore } from '@praesidium/keys';
import { DocumentVault, KeyEncryptionKeys } from './document-vault.js';

async function vaultIn(dataDir: string): Promise<DocumentVault> {
  return new DocumentVault(new KeyEncryptionKeys(await KeyStore.openOrCreate(dataDir), dataDir));
}

describe('document vault (envelope encryption)', () => {
  it('opens what it sealed, and stores neither the document nor its data key in clear', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'praesidium-vault-'));
    const vault = await vaultIn(dataDir);
    const document = Buffer.from('%PDF-1.7 signed consent form of a patient');
    const sealed = vault.seal('doc-1', document);
    expect(sealed.ciphertext.includes(document.subarray(0, 16))).toBe(false);
    expect(sealed.wrappedKey).toHaveLength(60);
    expect(sealed.kekId).toMatch(/^consent-document-kek-/);
    expect(await vault.open('doc-1', sealed)).toEqual(document);
  });

  it('refuses a tampered ciphertext, and a ciphertext or data key moved to another document', async () => {
    const vault = await vaultIn(await mkdtemp(path.join(tmpdir(), 'praesidium-vault-')));
    const sealed = vault.seal('doc-1', randomBytes(256));
    const flipped = Buffer.from(sealed.ciphertext);
    flipped[0] ^= 1;
    await expect(vault.open('doc-1', { ...sealed, ciphertext: flipped })).rejects.toThrow();
    await expect(vault.open('doc-2', sealed)).rejects.toThrow();
    const other = vault.seal('doc-2', randomBytes(256));
    await expect(vault.open('doc-1', { ...sealed, wrappedKey: other.wrappedKey })).rejects.toThrow();
  });

  it('rewraps a data key under a rotated KEK, which a vault opened before the rotation can still use', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'praesidium-vault-'));
    const before = await vaultIn(dataDir);
    const document = randomBytes(1024);
    const sealed = before.seal('doc-1', document);
    await KeyStore.rotate(dataDir, 'consent-document-kek');
    const after = await vaultIn(dataDir);
    const rewrapped = await after.rewrap('doc-1', sealed);
    expect(rewrapped?.kekId).not.toBe(sealed.kekId);
    expect(await after.rewrap('doc-1', { ...sealed, ...rewrapped! })).toBeUndefined();
    // Same ciphertext, new wrapped key: both vaults open it; the older one reads the key store again.
    expect(await after.open('doc-1', { ...sealed, ...rewrapped! })).toEqual(document);
    expect(await before.open('doc-1', { ...sealed, ...rewrapped! })).toEqual(document);
  });
});
