import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Post-market surveillance of clinicians' feedback (EU MDR Annex III: indicators and threshold
 * values declared in the plan, not at each report).
 *
 * `registry.feedback_floor_revision`: the floors a version's feedback is held to, declared once and
 * revised as a new row (append-only), each with who, when and why. The highest revision is in force;
 * an empty list withdraws them.
 *
 * `registry.feedback_period_record`: the periods the schedule recorded, one row per version and
 * period start. Its primary key is what makes "each closed period exactly once" hold across restarts
 * and several governance instances: a second tick's insert of the same period conflicts and records
 * nothing. The observation it names is inserted in the same transaction (the foreign key is checked
 * at commit). Only `audited_at` may change, once, from null: the alert's audit record is appended
 * after the commit and a later tick repairs one lost to a crash in between.
 */
export class FeedbackMonitoring1766100000000 implements MigrationInterface {
  name = 'FeedbackMonitoring1766100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE registry.feedback_floor_revision (
        id uuid CONSTRAINT pk_registry_feedback_floor_revision PRIMARY KEY,
        version_id uuid NOT NULL
          CONSTRAINT fk_registry_feedback_floor_revision_version REFERENCES registry.model_version (id),
        revision integer NOT NULL CONSTRAINT ck_registry_feedback_floor_revision_revision CHECK (revision >= 1),
        floors jsonb NOT NULL
          CONSTRAINT ck_registry_feedback_floor_revision_floors CHECK (jsonb_typeof(floors) = 'array'),
        floors_sha256 text NOT NULL,
        reason text NOT NULL,
        declared_by text NOT NULL,
        declared_at timestamptz NOT NULL,
        CONSTRAINT uq_registry_feedback_floor_revision_version UNIQUE (version_id, revision)
      )`);
    await db.query(`
      CREATE TRIGGER tr_registry_feedback_floor_revision_no_update_delete
        BEFORE UPDATE OR DELETE ON registry.feedback_floor_revision
        FOR EACH ROW EXECUTE FUNCTION registry.refuse_change()`);
    await db.query(`
      CREATE TRIGGER tr_registry_feedback_floor_revision_no_truncate
        BEFORE TRUNCATE ON registry.feedback_floor_revision
        FOR EACH STATEMENT EXECUTE FUNCTION registry.refuse_change()`);

    await db.query(`
      CREATE TABLE registry.feedback_period_record (
        version_id uuid NOT NULL
          CONSTRAINT fk_registry_feedback_period_record_version REFERENCES registry.model_version (id),
        period_start timestamptz NOT NULL,
        period_end timestamptz NOT NULL,
        observation_id uuid NOT NULL
          CONSTRAINT uq_registry_feedback_period_record_observation UNIQUE
          CONSTRAINT fk_registry_feedback_period_record_observation
            REFERENCES registry.performance_observation (id) DEFERRABLE INITIALLY DEFERRED,
        floors_revision integer NOT NULL,
        is_alert boolean NOT NULL,
        recorded_at timestamptz NOT NULL,
        audited_at timestamptz,
        CONSTRAINT pk_registry_feedback_period_record PRIMARY KEY (version_id, period_start),
        CONSTRAINT ck_registry_feedback_period_record_period CHECK (period_start < period_end)
      )`);
    await db.query(`
      CREATE FUNCTION registry.feedback_period_audited_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' AND OLD.audited_at IS NULL AND NEW.audited_at IS NOT NULL
           AND (to_jsonb(NEW) - 'audited_at') = (to_jsonb(OLD) - 'audited_at') THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION 'registry records are append-only (% on %.% refused)', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await db.query(`
      CREATE TRIGGER tr_registry_feedback_period_record_append_only
        BEFORE UPDATE OR DELETE ON registry.feedback_period_record
        FOR EACH ROW EXECUTE FUNCTION registry.feedback_period_audited_only()`);
    await db.query(`
      CREATE TRIGGER tr_registry_feedback_period_record_no_truncate
        BEFORE TRUNCATE ON registry.feedback_period_record
        FOR EACH STATEMENT EXECUTE FUNCTION registry.refuse_change()`);
    await db.query(`
      CREATE INDEX ix_registry_feedback_period_record_unaudited
        ON registry.feedback_period_record (recorded_at) WHERE audited_at IS NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE registry.feedback_period_record`);
    await db.query(`DROP FUNCTION registry.feedback_period_audited_only()`);
    await db.query(`DROP TABLE registry.feedback_floor_revision`);
  }
}
