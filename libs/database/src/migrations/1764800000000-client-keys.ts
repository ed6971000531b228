import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Public encryption keys registered with the platform; only public keys, nothing here is secret.
 * `keys.client_key`: what callers register for encrypted responses (`Accept: application/jose`), one
 * current key per principal (issuer, subject), replaced by a new registration.
 * `keys.backend_key`: a model backend's key, by the backend URL the registry names for a version;
 * the gateway then forwards that backend's bodies as JWE.
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
    await db.query(`
      CREATE TABLE keys.backend_key (
        backend_url text CONSTRAINT pk_keys_backend_key PRIMARY KEY,
        kid text NOT NULL,
        jwk jsonb NOT NULL,
        registered_by text NOT NULL,
        registered_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE keys.backend_key`);
    await db.query(`DROP TABLE keys.client_key`);
  }
}
