import type { MigrationInterface, QueryRunner } from 'typeorm';
import { contentHash } from '@praesidium/digest';

/**
 * Access policies as data, and break-glass emergency access (HIPAA 164.312(a)(2)(ii)).
 *
 * `access.policy_version` holds every proposed policy document with its author and reason;
 * `access.policy_activation` records which version a second security officer approved (the active
 * policy is the latest activation). Each activation notifies `praesidium_policy`, so every process
 * reloads it. Break-glass grants and what happens to them (end, expiry, alert delivery, review) are
 * rows of their own. All four tables are append-only in the database.
 *
 * Version 1 is the policy that was code until now, written out literally here: a migration never
 * changes after it lands, whatever `DEFAULT_POLICY` becomes.
 */
export class AccessPolicies1764400000000 implements MigrationInterface {
  name = 'AccessPolicies1764400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE SCHEMA IF NOT EXISTS access`);
    await db.query(`
      CREATE FUNCTION access.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'access records are append-only (% on %.% refused)', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await db.query(`
      CREATE TABLE access.policy_version (
        version integer CONSTRAINT pk_access_policy_version PRIMARY KEY
          CONSTRAINT ck_access_policy_version_positive CHECK (version >= 1),
        document jsonb NOT NULL,
        sha256 text NOT NULL,
        author text NOT NULL,
        reason text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE access.policy_activation (
        version integer CONSTRAINT pk_access_policy_activation PRIMARY KEY
          CONSTRAINT fk_access_policy_activation_version REFERENCES access.policy_version (version),
        approved_by text NOT NULL,
        activated_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await db.query(`
      CREATE INDEX ix_access_policy_activation_at ON access.policy_activation (activated_at DESC, version DESC)`);
    await db.query(`
      CREATE FUNCTION access.notify_policy_activation() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('praesidium_policy', NEW.version::text);
        RETURN NEW;
      END $$`);
    await db.query(`
      CREATE TRIGGER tr_access_policy_activation_notify AFTER INSERT ON access.policy_activation
        FOR EACH ROW EXECUTE FUNCTION access.notify_policy_activation()`);
    await db.query(`
      CREATE TABLE access.break_glass_grant (
        id uuid CONSTRAINT pk_access_break_glass_grant PRIMARY KEY,
        patient_pseudonym text NOT NULL,
        grantee_subject text NOT NULL,
        grantee_issuer text NOT NULL,
        grantee_roles text[] NOT NULL,
        reason_code text NOT NULL,
        justification text NOT NULL,
        policy_version integer NOT NULL,
        started_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        CONSTRAINT ck_access_break_glass_grant_window CHECK (expires_at > started_at)
      )`);
    await db.query(`
      CREATE INDEX ix_access_break_glass_grant_lookup
        ON access.break_glass_grant (grantee_subject, patient_pseudonym, expires_at)`);
    await db.query(`
      CREATE TABLE access.break_glass_event (
        id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_access_break_glass_event PRIMARY KEY,
        grant_id uuid NOT NULL CONSTRAINT fk_access_break_glass_event_grant REFERENCES access.break_glass_grant (id),
        kind text NOT NULL CONSTRAINT ck_access_break_glass_event_kind
          CHECK (kind IN ('ended', 'expired', 'alert_delivered', 'alert_failed', 'reviewed')),
        actor text NOT NULL,
        outcome text,
        comment text,
        at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    // A grant closes once (ended or expired) and is reviewed once, whoever races to do it.
    await db.query(`
      CREATE UNIQUE INDEX uq_access_break_glass_event_closed ON access.break_glass_event (grant_id)
        WHERE kind IN ('ended', 'expired')`);
    await db.query(`
      CREATE UNIQUE INDEX uq_access_break_glass_event_reviewed ON access.break_glass_event (grant_id)
        WHERE kind = 'reviewed'`);
    for (const table of ['policy_version', 'policy_activation', 'break_glass_grant', 'break_glass_event']) {
      await db.query(`
        CREATE TRIGGER tr_access_${table}_no_update_delete BEFORE UPDATE OR DELETE ON access.${table}
          FOR EACH ROW EXECUTE FUNCTION access.refuse_change()`);
      await db.query(`
        CREATE TRIGGER tr_access_${table}_no_truncate BEFORE TRUNCATE ON access.${table}
          FOR EACH STATEMENT EXECUTE FUNCTION access.refuse_change()`);
    }
    await db.query(
      `INSERT INTO access.policy_version (version, document, sha256, author, reason) VALUES (1, $1, $2, $3, $4)`,
      [
        JSON.stringify(SEED_POLICY),
        contentHash(SEED_POLICY),
        'system:migration',
        'Seed: the access policy of release 0.1, moved from code to data',
      ],
    );
    await db.query(
      `INSERT INTO access.policy_activation (version, approved_by) VALUES (1, 'system:migration')`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP SCHEMA access CASCADE`);
  }
}

const SEED_POLICY = {
  format: 'praesidium.policy/v1',
  description: 'Seed policy (version 1): the code policy of release 0.1, as data.',
  roles: {
    clinician: [
      {
        action: 'infer',
        subject: 'Model',
        conditions: {
          status: 'deployed',
          departments: { $in: '${principal.departments}' },
          name: { $in: '${principal.trainings}' },
        },
        reason: 'a deployed model made for one of their departments, whose training they attested',
      },
      { action: 'read', subject: 'Model' },
      { action: 'record', subject: 'Consent' },
      { action: 'read', subject: 'Consent' },
      {
        action: 'declare',
        subject: 'BreakGlass',
        reason: 'HIPAA 164.312(a)(2)(ii): emergency access for one patient, time-boxed and reviewed',
      },
    ],
    'security-officer': [
      { action: 'read', subject: 'AuditTrail' },
      { action: 'verify', subject: 'AuditTrail' },
      { action: 'read', subject: 'Model' },
      {
        action: 'read',
        subject: 'Consent',
        fields: ['id', 'status', 'scope', 'dateTime', 'version', 'recordedBy', 'updatedAt'],
        reason: 'consent metadata for investigations, never the source document (provisions)',
      },
      { action: 'read', subject: 'Policy' },
      { action: 'propose', subject: 'Policy' },
      { action: 'approve', subject: 'Policy' },
      { action: 'read', subject: 'BreakGlass' },
      { action: 'review', subject: 'BreakGlass' },
    ],
    'regulatory-affairs': [{ action: 'read', subject: 'Model' }],
    'ethics-board': [{ action: 'read', subject: 'Model' }],
    'model-owner': [{ action: 'read', subject: 'Model' }],
    administrator: [
      { action: 'read', subject: 'Model' },
      { action: 'read', subject: 'AuditTrail' },
      { action: 'verify', subject: 'AuditTrail' },
      { action: 'read', subject: 'Policy' },
    ],
    service: [],
  },
};
