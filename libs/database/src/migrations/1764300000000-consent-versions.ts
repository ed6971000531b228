import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Consents become append-only versions: every change (record, amendment, revocation) is a new row of
 * `consent.consent_version` and history is never rewritten. Source documents (scanned signed forms)
 * are kept encrypted with envelope encryption in `consent.source_document`: the ciphertext never
 * changes; only the wrapped data key and the id of the key-encryption key may be replaced, by a key
 * rotation. The mutable `consent.consent` of the skeleton is carried over and dropped.
 */
export class ConsentVersions1764300000000 implements MigrationInterface {
  name = 'ConsentVersions1764300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE consent.source_document (
        id uuid CONSTRAINT pk_consent_source_document PRIMARY KEY,
        size_bytes integer NOT NULL
          CONSTRAINT ck_consent_source_document_size CHECK (size_bytes BETWEEN 0 AND 10485760),
        iv bytea NOT NULL,
        ciphertext bytea NOT NULL,
        auth_tag bytea NOT NULL,
        wrapped_key bytea NOT NULL,
        kek_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        rewrapped_at timestamptz
      )`);
    await db.query(`CREATE INDEX ix_consent_source_document_kek ON consent.source_document (kek_id)`);

    await db.query(`
      CREATE TABLE consent.consent_version (
        consent_id uuid NOT NULL,
        version integer NOT NULL CONSTRAINT ck_consent_version_version CHECK (version >= 1),
        patient_pseudonym text NOT NULL,
        status text NOT NULL CONSTRAINT ck_consent_version_status
          CHECK (status IN ('draft', 'proposed', 'active', 'rejected', 'inactive', 'entered-in-error')),
        scope text NOT NULL,
        date_time timestamptz NOT NULL,
        provision jsonb NOT NULL,
        resource jsonb NOT NULL,
        document_id uuid CONSTRAINT fk_consent_version_document REFERENCES consent.source_document (id),
        change text NOT NULL CONSTRAINT ck_consent_version_change
          CHECK (change IN ('recorded', 'amended', 'revoked')),
        recorded_by text NOT NULL,
        verification_method text,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT pk_consent_version PRIMARY KEY (consent_id, version)
      )`);
    await db.query(`
      CREATE INDEX ix_consent_version_patient ON consent.consent_version (patient_pseudonym, consent_id, version)`);

    await db.query(`
      INSERT INTO consent.consent_version
        (consent_id, version, patient_pseudonym, status, scope, date_time, provision, resource, change,
         recorded_by, recorded_at)
      SELECT id, version, patient_pseudonym, status, scope, date_time, provision,
             jsonb_build_object('resourceType', 'Consent', 'provision', provision), 'recorded', recorded_by, updated_at
        FROM consent.consent`);
    await db.query(`DROP TABLE consent.consent`);

    await db.query(`
      CREATE FUNCTION consent.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'consent versions are append-only (% on %.% refused)', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await db.query(`
      CREATE TRIGGER tr_consent_version_no_update_delete BEFORE UPDATE OR DELETE ON consent.consent_version
        FOR EACH ROW EXECUTE FUNCTION consent.refuse_change()`);
    await db.query(`
      CREATE TRIGGER tr_consent_version_no_truncate BEFORE TRUNCATE ON consent.consent_version
        FOR EACH STATEMENT EXECUTE FUNCTION consent.refuse_change()`);

    // A document's ciphertext is fixed; a key rotation may only rewrap its data key.
    await db.query(`
      CREATE FUNCTION consent.refuse_document_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.size_bytes = OLD.size_bytes AND NEW.iv = OLD.iv
           AND NEW.ciphertext = OLD.ciphertext AND NEW.auth_tag = OLD.auth_tag
           AND NEW.created_at = OLD.created_at THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION 'consent source documents are immutable; only their data key may be rewrapped (% refused)', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await db.query(`
      CREATE TRIGGER tr_consent_source_document_immutable BEFORE UPDATE OR DELETE ON consent.source_document
        FOR EACH ROW EXECUTE FUNCTION consent.refuse_document_change()`);
    await db.query(`
      CREATE TRIGGER tr_consent_source_document_no_truncate BEFORE TRUNCATE ON consent.source_document
        FOR EACH STATEMENT EXECUTE FUNCTION consent.refuse_change()`);
  }

  async down(): Promise<void> {
    throw new Error('consent history is not reversible');
  }
}
