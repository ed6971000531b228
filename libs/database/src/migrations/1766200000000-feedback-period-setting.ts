import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The period length of the clinician-feedback schedule, kept in the registry instead of each
 * process's environment, so that every period is cut by the one setting in force, and a change of
 * PRAESIDIUM_FEEDBACK_PERIOD is dated.
 *
 * `registry.feedback_period_setting`: one row per setting (append-only), the highest revision in
 * force from `in_force_from`. Governance records one when it starts with another length than the one
 * in force; a schedule run queued with another length than that is refused and records nothing.
 *
 * `registry.feedback_period_record` gains the length of the grid each period was cut on and whether
 * it is a transition (the stretch from the last period of the former grid to the first boundary of
 * the new one). Rows recorded before this migration keep `period` null: whole periods of the setting
 * then in force, never transitions. No row is updated: the table is append-only.
 */
export class FeedbackPeriodSetting1766200000000 implements MigrationInterface {
  name = 'FeedbackPeriodSetting1766200000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE registry.feedback_period_setting (
        revision integer CONSTRAINT pk_registry_feedback_period_setting PRIMARY KEY
          CONSTRAINT ck_registry_feedback_period_setting_revision CHECK (revision >= 1),
        period text NOT NULL
          CONSTRAINT ck_registry_feedback_period_setting_period CHECK (period ~ '^(day|week|month|[1-9][0-9]*)$'),
        in_force_from timestamptz NOT NULL,
        set_by text NOT NULL
      )`);
    await db.query(`
      CREATE TRIGGER tr_registry_feedback_period_setting_no_update_delete
        BEFORE UPDATE OR DELETE ON registry.feedback_period_setting
        FOR EACH ROW EXECUTE FUNCTION registry.refuse_change()`);
    await db.query(`
      CREATE TRIGGER tr_registry_feedback_period_setting_no_truncate
        BEFORE TRUNCATE ON registry.feedback_period_setting
        FOR EACH STATEMENT EXECUTE FUNCTION registry.refuse_change()`);
    await db.query(`
      ALTER TABLE registry.feedback_period_record
        ADD COLUMN period text
          CONSTRAINT ck_registry_feedback_period_record_length
            CHECK (period IS NULL OR period ~ '^(day|week|month|[1-9][0-9]*)$'),
        ADD COLUMN is_transition boolean NOT NULL DEFAULT false`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE registry.feedback_period_record DROP COLUMN is_transition, DROP COLUMN period`);
    await db.query(`DROP TABLE registry.feedback_period_setting`);
  }
}
