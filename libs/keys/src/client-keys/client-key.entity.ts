import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A principal's registered public encryption key (see migration 1764800000000). */
@Entity({ schema: 'keys', name: 'client_key' })
export class ClientKeyEntity {
  @PrimaryColumn({ type: 'text' })
  issuer!: string;

  @PrimaryColumn({ type: 'text' })
  subject!: string;

  @Column({ type: 'text' })
  kid!: string;

  /** A public EC or RSA JWK: every member is a string. */
  @Column({ type: 'jsonb' })
  jwk!: Record<string, string>;

  @Column({ name: 'registered_at', type: 'timestamptz' })
  registeredAt!: Date;
}
