import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Public encryption keys that callers register for encrypted responses (`Accept: application/jose`):
 * one current key per principal, keyed by its issuer and subject, replaced by a new registration.
 * Only public keys are stored; nothing here is secret.
 */
export class ClientKeys1764800000000 implements MigrationInterface {
  name = 'ClientKeys1764800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE SCHEMA IF NOT EXISTS keys`);
    await db.query(`
      CREATE TABLE keys.client_key (
        issuer text NOT NULL,
        subject text NOT NULL,
        kid text NOT NULL,
        jwk jsonb NOT NULL,
        registered_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_keys_client_key PRIMARY KEY (issuer, subject)
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE keys.client_key`);
  }
}
