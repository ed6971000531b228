import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A consent's source document (the scanned signed form), encrypted with AES-256-GCM under a data key
 * of its own; the data key is stored only wrapped by a key-encryption key of the key store, whose id
 * is kept so a rotation can rewrap it without touching the ciphertext.
 */
@Entity({ schema: 'consent', name: 'source_document' })
export class SourceDocumentEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'size_bytes', type: 'integer' })
  sizeBytes!: number;

  @Column({ type: 'bytea' })
  iv!: Buffer;

  @Column({ type: 'bytea' })
  ciphertext!: Buffer;

  @Column({ name: 'auth_tag', type: 'bytea' })
  authTag!: Buffer;

  @Column({ name: 'wrapped_key', type: 'bytea' })
  wrappedKey!: Buffer;

  @Column({ name: 'kek_id', type: 'text' })
  kekId!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'rewrapped_at', type: 'timestamptz', nullable: true })
  rewrappedAt!: Date | null;
}
