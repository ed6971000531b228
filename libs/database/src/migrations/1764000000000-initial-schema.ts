import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Registry, consent and audit schemas of the walking skeleton. Never edit once landed; add a migration. */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE SCHEMA IF NOT EXISTS platform`);
    await db.query(`CREATE SCHEMA IF NOT EXISTS registry`);
    await db.query(`CREATE SCHEMA IF NOT EXISTS consent`);
    await db.query(`CREATE SCHEMA IF NOT EXISTS audit`);

    await db.query(`
      CREATE TABLE platform.setting (
        key text CONSTRAINT pk_platform_setting PRIMARY KEY,
        value jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);

    await db.query(`
      CREATE TABLE registry.model (
        id uuid CONSTRAINT pk_registry_model PRIMARY KEY,
        name text NOT NULL CONSTRAINT uq_registry_model_name UNIQUE
          CONSTRAINT ck_registry_model_name CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,127}$'),
        display_name text NOT NULL,
        intended_use text NOT NULL,
        limitations text NOT NULL,
        departments text[] NOT NULL,
        risk_class text NOT NULL,
        is_demonstration boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE registry.model_version (
        id uuid CONSTRAINT pk_registry_model_version PRIMARY KEY,
        model_id uuid NOT NULL CONSTRAINT fk_registry_model_version_model REFERENCES registry.model (id),
        version text NOT NULL,
        status text NOT NULL CONSTRAINT ck_registry_model_version_status
          CHECK (status IN ('draft', 'approved', 'deployed', 'suspended', 'retired')),
        backend_url text NOT NULL,
        input_schema jsonb NOT NULL,
        output_schema jsonb NOT NULL,
        manifest_sha256 text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_registry_model_version UNIQUE (model_id, version)
      )`);
    await db.query(`
      CREATE UNIQUE INDEX uq_registry_model_version_deployed
        ON registry.model_version (model_id) WHERE status = 'deployed'`);

    await db.query(`
      CREATE TABLE consent.consent (
        id uuid CONSTRAINT pk_consent_consent PRIMARY KEY,
        patient_pseudonym text NOT NULL,
        status text NOT NULL CONSTRAINT ck_consent_consent_status
          CHECK (status IN ('draft', 'proposed', 'active', 'rejected', 'inactive', 'entered-in-error')),
        scope text NOT NULL,
        date_time timestamptz NOT NULL,
        provision jsonb NOT NULL,
        version integer NOT NULL DEFAULT 1,
        recorded_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX ix_consent_consent_patient ON consent.consent (patient_pseudonym)`);

    await db.query(`
      CREATE TABLE audit.stream (
        id text CONSTRAINT pk_audit_stream PRIMARY KEY,
        source text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE audit.event (
        stream_id text NOT NULL CONSTRAINT fk_audit_event_stream REFERENCES audit.stream (id),
        seq bigint NOT NULL CONSTRAINT ck_audit_event_seq CHECK (seq >= 1),
        id uuid NOT NULL CONSTRAINT uq_audit_event_id UNIQUE,
        recorded_at timestamptz NOT NULL,
        action text NOT NULL,
        outcome text NOT NULL,
        reason_code text,
        agent_subject text,
        patient_pseudonym text,
        model_name text,
        event jsonb NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        CONSTRAINT pk_audit_event PRIMARY KEY (stream_id, seq)
      )`);
    await db.query(`CREATE INDEX ix_audit_event_recorded_at ON audit.event (recorded_at)`);
    await db.query(`CREATE INDEX ix_audit_event_patient ON audit.event (patient_pseudonym, recorded_at)`);
    await db.query(`CREATE INDEX ix_audit_event_agent ON audit.event (agent_subject, recorded_at)`);

    // Append-only in the database itself: no role, not even the application's, may rewrite history.
    await db.query(`
      CREATE FUNCTION audit.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit records are append-only (% on %.% refused)', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    for (const table of ['event', 'stream']) {
      await db.query(`
        CREATE TRIGGER tr_audit_${table}_no_update_delete BEFORE UPDATE OR DELETE ON audit.${table}
          FOR EACH ROW EXECUTE FUNCTION audit.refuse_change()`);
      await db.query(`
        CREATE TRIGGER tr_audit_${table}_no_truncate BEFORE TRUNCATE ON audit.${table}
          FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change()`);
    }
  }

  async down(): Promise<void> {
    throw new Error('the initial schema is not reversible: it holds the audit trail');
  }
}
