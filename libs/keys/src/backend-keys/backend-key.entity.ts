import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A model backend's public encryption key (see migration 1764800000000). */
@Entity({ schema: 'keys', name: 'backend_key' })
export class BackendKeyEntity {
  @PrimaryColumn({ name: 'backend_url', type: 'text' })
  backendUrl!: string;

  @Column({ type: 'text' })
  kid!: string;

  /** A public EC or RSA JWK: every member is a string. */
  @Column({ type: 'jsonb' })
  jwk!: Record<string, string>;

  @Column({ name: 'registered_by', type: 'text' })
  registeredBy!: string;

  @Column({ name: 'registered_at', type: 'timestamptz' })
  registeredAt!: Date;
}
