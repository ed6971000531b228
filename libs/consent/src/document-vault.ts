import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { KeyStore } from '@praesidium/keys';

const KEK_PURPOSE = 'consent-document-kek';

/**
 * The key-encryption keys of the key store. A key id this process does not know (a rotation by the CLI
 * after it started) makes it read the store again.
 */
export class KeyEncryptionKeys {
  constructor(
    private keyStore: KeyStore,
    private readonly dataDir: string,
  ) {}

  current(): { kid: string; key: Buffer } {
    const { kid } = this.keyStore.current(KEK_PURPOSE);
    return { kid, key: this.keyStore.secretById(KEK_PURPOSE, kid) as Buffer };
  }

  async byId(kid: string): Promise<Buffer> {
    const known = this.keyStore.secretById(KEK_PURPOSE, kid);
    if (known) return known;
    this.keyStore = await KeyStore.openOrCreate(this.dataDir);
    const reloaded = this.keyStore.secretById(KEK_PURPOSE, kid);
    if (!reloaded) throw new Error(`key-encryption key ${kid} is not in the key store`);
    return reloaded;
  }
}

/** What is stored of a sealed document: nothing of it in clear. */
export interface SealedDocument {
  readonly iv: Buffer;
  readonly ciphertext: Buffer;
  readonly authTag: Buffer;
  readonly wrappedKey: Buffer;
  readonly kekId: string;
}

/**
 * Envelope encryption of consent source documents: AES-256-GCM under a fresh 256-bit data key per
 * document, the data key wrapped (AES-256-GCM) by the current key-encryption key. Both are bound to
 * the document id as associated data, so a ciphertext or key moved to another row does not open.
 * Rotating the KEK rewraps the 60-byte data keys and leaves the documents as they are.
 */
export class DocumentVault {
  constructor(private readonly keks: KeyEncryptionKeys) {}

  seal(documentId: string, plaintext: Buffer): SealedDocument {
    const dataKey = randomBytes(32);
    try {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
      cipher.setAAD(Buffer.from(`consent-document:${documentId}`));
      const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      const kek = this.keks.current();
      return {
        iv,
        ciphertext,
        authTag: cipher.getAuthTag(),
        wrappedKey: wrap(kek.key, dataKey, documentId),
        kekId: kek.kid,
      };
    } finally {
      dataKey.fill(0);
    }
  }

  async open(documentId: string, sealed: SealedDocument): Promise<Buffer> {
    const dataKey = unwrap(await this.keks.byId(sealed.kekId), sealed.wrappedKey, documentId);
    try {
      const decipher = createDecipheriv('aes-256-gcm', dataKey, sealed.iv);
      decipher.setAAD(Buffer.from(`consent-document:${documentId}`));
      decipher.setAuthTag(sealed.authTag);
      return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
    } finally {
      dataKey.fill(0);
    }
  }

  /** The data key wrapped by the current KEK instead; undefined when it already is. */
  async rewrap(
    documentId: string,
    sealed: Pick<SealedDocument, 'wrappedKey' | 'kekId'>,
  ): Promise<{ wrappedKey: Buffer; kekId: string } | undefined> {
    const kek = this.keks.current();
    if (sealed.kekId === kek.kid) return undefined;
    const dataKey = unwrap(await this.keks.byId(sealed.kekId), sealed.wrappedKey, documentId);
    try {
      return { wrappedKey: wrap(kek.key, dataKey, documentId), kekId: kek.kid };
    } finally {
      dataKey.fill(0);
    }
  }

  get currentKekId(): string {
    return this.keks.current().kid;
  }
}

function wrap(kek: Buffer, dataKey: Buffer, documentId: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(Buffer.from(`consent-document-key:${documentId}`));
  const wrapped = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), wrapped]);
}

function unwrap(kek: Buffer, wrappedKey: Buffer, documentId: string): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', kek, wrappedKey.subarray(0, 12));
  decipher.setAAD(Buffer.from(`consent-document-key:${documentId}`));
  decipher.setAuthTag(wrappedKey.subarray(12, 28));
  return Buffer.concat([decipher.update(wrappedKey.subarray(28)), decipher.final()]);
}
