import type { MigrationInterface, QueryRunner } from 'typeorm';
import { extendActivePolicy } from './policy-extension.js';

/**
 * The model registry of issue 7: model classification, versions identified by their manifest,
 * the lifecycle as append-only transition rows, Part 11 electronic signatures bound to the signed
 * record's SHA-256, content-hashed evidence, change-control plans, drift checks and performance observations over time.
 *
 * A version's content may change only while it is a draft (the `registry.freeze_version` trigger
 * refuses anything else), and every status change notifies `praesidium_registry` so that gateways
 * in other processes hear of a deployment or a suspension at once.
 *
 * The access policy gains the registry's rules as a new version (the active document with rules
 * appended per role), activated like any other, so the registry is governed by data too.
 */
export class ModelRegistry1764600000000 implements MigrationInterface {
  name = 'ModelRegistry1764600000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION registry.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'registry records are append-only (% on %.% refused)', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await db.query(`
      ALTER TABLE registry.model
        ADD COLUMN profile jsonb NOT NULL DEFAULT '{}'::jsonb,
        ADD COLUMN classification jsonb NOT NULL DEFAULT '{}'::jsonb`);
    await db.query(`ALTER TABLE registry.model_version DROP CONSTRAINT ck_registry_model_version_status`);
    await db.query(`
      ALTER TABLE registry.model_version
        ADD CONSTRAINT ck_registry_model_version_status CHECK (status IN
          ('draft', 'validated', 'under_review', 'approved', 'deployed', 'suspended', 'retired')),
        ADD COLUMN manifest jsonb NOT NULL DEFAULT '{}'::jsonb,
        ADD COLUMN created_by text NOT NULL DEFAULT 'system:migration',
        ADD COLUMN submitted_by text,
        ADD COLUMN pccp_modifications text[] NOT NULL DEFAULT '{}'`);
    await db.query(`
      CREATE FUNCTION registry.freeze_version() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.status <> 'draft' AND (
             NEW.manifest IS DISTINCT FROM OLD.manifest OR NEW.manifest_sha256 <> OLD.manifest_sha256
          OR NEW.version <> OLD.version OR NEW.model_id <> OLD.model_id
          OR NEW.input_schema IS DISTINCT FROM OLD.input_schema
          OR NEW.output_schema IS DISTINCT FROM OLD.output_schema
          OR NEW.pccp_modifications IS DISTINCT FROM OLD.pccp_modifications) THEN
          RAISE EXCEPTION 'model version % is % and immutable', OLD.id, OLD.status
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await db.query(`
      CREATE TRIGGER tr_registry_model_version_freeze BEFORE UPDATE ON registry.model_version
        FOR EACH ROW EXECUTE FUNCTION registry.freeze_version()`);
    await db.query(`
      CREATE TRIGGER tr_registry_model_version_no_delete BEFORE DELETE ON registry.model_version
        FOR EACH ROW EXECUTE FUNCTION registry.refuse_change()`);
    await db.query(`
      CREATE FUNCTION registry.notify_status() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('praesidium_registry', NEW.model_id::text);
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER tr_registry_model_version_notify AFTER INSERT OR UPDATE OF status, backend_url
        ON registry.model_version FOR EACH ROW EXECUTE FUNCTION registry.notify_status()`);

    await db.query(`
      CREATE TABLE registry.version_transition (
        id uuid CONSTRAINT pk_registry_version_transition PRIMARY KEY,
        version_id uuid NOT NULL
          CONSTRAINT fk_registry_version_transition_version REFERENCES registry.model_version (id),
        from_status text NOT NULL,
        to_status text NOT NULL,
        actor text NOT NULL,
        reason text NOT NULL,
        record_sha256 text NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE INDEX ix_registry_version_transition_version ON registry.version_transition (version_id, at)`);
    await db.query(`
      CREATE TABLE registry.signature (
        id uuid CONSTRAINT pk_registry_signature PRIMARY KEY,
        version_id uuid NOT NULL CONSTRAINT fk_registry_signature_version REFERENCES registry.model_version (id),
        record_sha256 text NOT NULL CONSTRAINT ck_registry_signature_hash CHECK (record_sha256 ~ '^[0-9a-f]{64}$'),
        signer_subject text NOT NULL,
        signer_issuer text NOT NULL,
        printed_name text NOT NULL,
        signer_role text NOT NULL,
        meaning text NOT NULL CONSTRAINT ck_registry_signature_meaning
          CHECK (meaning IN ('authored', 'reviewed', 'approved')),
        reauthenticated_by text NOT NULL,
        signed_at timestamptz NOT NULL,
        signature_sha256 text NOT NULL
      )`);
    await db.query(`CREATE INDEX ix_registry_signature_version ON registry.signature (version_id)`);
    await db.query(`
      CREATE TABLE registry.signing_credential (
        subject text CONSTRAINT pk_registry_signing_credential PRIMARY KEY,
        scrypt text NOT NULL,
        failed_attempts integer NOT NULL DEFAULT 0,
        locked_until timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE registry.evidence (
        id uuid CONSTRAINT pk_registry_evidence PRIMARY KEY,
        version_id uuid NOT NULL CONSTRAINT fk_registry_evidence_version REFERENCES registry.model_version (id),
        kind text NOT NULL,
        title text NOT NULL,
        file_name text,
        media_type text,
        size_bytes integer,
        sha256 text NOT NULL CONSTRAINT ck_registry_evidence_hash CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`CREATE INDEX ix_registry_evidence_version ON registry.evidence (version_id)`);
    await db.query(`
      CREATE TABLE registry.dataset (
        id uuid CONSTRAINT pk_registry_dataset PRIMARY KEY,
        model_id uuid NOT NULL CONSTRAINT fk_registry_dataset_model REFERENCES registry.model (id),
        name text NOT NULL,
        split_role text NOT NULL CONSTRAINT ck_registry_dataset_split
          CHECK (split_role IN ('training', 'tuning', 'test')),
        datasheet jsonb NOT NULL,
        content_sha256 text NOT NULL,
        quality_report jsonb,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_registry_dataset_name UNIQUE (model_id, name)
      )`);
    await db.query(`
      CREATE TABLE registry.change_control_plan (
        id uuid CONSTRAINT pk_registry_change_control_plan PRIMARY KEY,
        model_id uuid NOT NULL CONSTRAINT fk_registry_change_control_plan_model REFERENCES registry.model (id),
        plan jsonb NOT NULL,
        sha256 text NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE registry.drift_check (
        id uuid CONSTRAINT pk_registry_drift_check PRIMARY KEY,
        version_id uuid NOT NULL CONSTRAINT fk_registry_drift_check_version REFERENCES registry.model_version (id),
        result jsonb NOT NULL,
        is_alert boolean NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE registry.performance_observation (
        id uuid CONSTRAINT pk_registry_performance_observation PRIMARY KEY,
        version_id uuid NOT NULL
          CONSTRAINT fk_registry_performance_observation_version REFERENCES registry.model_version (id),
        period_start timestamptz NOT NULL,
        period_end timestamptz NOT NULL,
        source text NOT NULL,
        result jsonb NOT NULL,
        is_alert boolean NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT ck_registry_performance_observation_period CHECK (period_start < period_end)
      )`);
    await db.query(`
      CREATE INDEX ix_registry_performance_observation_version
        ON registry.performance_observation (version_id, period_start)`);
    for (const table of [
      'version_transition',
      'signature',
      'evidence',
      'dataset',
      'change_control_plan',
      'drift_check',
      'performance_observation',
    ]) {
      await db.query(`
        CREATE TRIGGER tr_registry_${table}_no_update_delete BEFORE UPDATE OR DELETE ON registry.${table}
          FOR EACH ROW EXECUTE FUNCTION registry.refuse_change()`);
      await db.query(`
        CREATE TRIGGER tr_registry_${table}_no_truncate BEFORE TRUNCATE ON registry.${table}
          FOR EACH STATEMENT EXECUTE FUNCTION registry.refuse_change()`);
    }
    await extendActivePolicy(
      db,
      REGISTRY_RULES,
      'Model registry (issue 7): who registers, signs, approves and deploys model versions',
    );
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of [
      'performance_observation',
      'drift_check',
      'change_control_plan',
      'dataset',
      'evidence',
      'signing_credential',
      'signature',
      'version_transition',
    ])
      await db.query(`DROP TABLE registry.${table}`);
    await db.query(`DROP TRIGGER tr_registry_model_version_notify ON registry.model_version`);
    await db.query(`DROP TRIGGER tr_registry_model_version_no_delete ON registry.model_version`);
    await db.query(`DROP TRIGGER tr_registry_model_version_freeze ON registry.model_version`);
    await db.query(`DROP FUNCTION registry.notify_status, registry.freeze_version, registry.refuse_change`);
  }
}

/**
 * The registry's rules, written out literally (a migration never changes after it lands). Kept
 * equal, rule for rule, to the registry rules of `DEFAULT_POLICY`.
 */
const REGISTRY_RULES: Record<string, unknown[]> = {
  'regulatory-affairs': [
    { action: 'register', subject: 'ModelVersion' },
    { action: 'read', subject: 'ModelVersion' },
    { action: 'transition', subject: 'ModelVersion' },
    {
      action: 'sign',
      subject: 'ModelVersion',
      reason: '21 CFR 11.50: regulatory affairs signs the approval record of a version',
    },
    {
      action: 'approve',
      subject: 'ModelVersion',
      reason: 'regulatory affairs records the approval once both boards have signed',
    },
  ],
  'ethics-board': [
    { action: 'read', subject: 'ModelVersion' },
    {
      action: 'sign',
      subject: 'ModelVersion',
      reason: 'the ethics board signs the approval record after reviewing the bias report',
    },
  ],
  'model-owner': [
    { action: 'register', subject: 'ModelVersion' },
    { action: 'read', subject: 'ModelVersion' },
    { action: 'transition', subject: 'ModelVersion' },
    { action: 'deploy', subject: 'ModelVersion' },
  ],
  'security-officer': [{ action: 'read', subject: 'ModelVersion' }],
  administrator: [{ action: 'read', subject: 'ModelVersion' }],
};
