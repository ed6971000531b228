import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bias reports for ethics boards (issue 8). `fairness.bias_report` holds, per report, the aggregate
 * it is computed from (per-cell confusion counts and score histograms: never a patient-level row),
 * the settings, and once the job has run the JSON and HTML report. Comments by ethics-board members
 * are append-only. A report is only ever written by its job; its inputs never change after creation.
 */
export class BiasReports1764500000000 implements MigrationInterface {
  name = 'BiasReports1764500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE SCHEMA IF NOT EXISTS fairness`);
    await db.query(`
      CREATE TABLE fairness.bias_report (
        id uuid CONSTRAINT pk_fairness_bias_report PRIMARY KEY,
        status text NOT NULL CONSTRAINT ck_fairness_bias_report_status
          CHECK (status IN ('queued', 'running', 'completed', 'failed')),
        requested_by text NOT NULL,
        model_version_ref text,
        dataset_name text,
        dataset_sha256 text NOT NULL,
        dataset_format text NOT NULL CONSTRAINT ck_fairness_bias_report_format CHECK (dataset_format IN ('csv', 'ndjson')),
        dataset_bytes bigint NOT NULL,
        dataset_rows bigint NOT NULL,
        mapping jsonb NOT NULL,
        settings jsonb NOT NULL,
        aggregate jsonb NOT NULL,
        job_id text,
        report jsonb,
        report_html text,
        report_sha256 text,
        verdict text CONSTRAINT ck_fairness_bias_report_verdict CHECK (verdict IN ('pass', 'concern', 'fail')),
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz
      )`);
    await db.query(`CREATE INDEX ix_fairness_bias_report_created ON fairness.bias_report (created_at DESC)`);
    await db.query(`
      CREATE TABLE fairness.bias_report_comment (
        id bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT pk_fairness_bias_report_comment PRIMARY KEY,
        report_id uuid NOT NULL CONSTRAINT fk_fairness_bias_report_comment_report REFERENCES fairness.bias_report (id),
        author text NOT NULL,
        body text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await db.query(
      `CREATE INDEX ix_fairness_bias_report_comment_report ON fairness.bias_report_comment (report_id, id)`,
    );
    await db.query(`
      CREATE FUNCTION fairness.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'bias report comments are append-only (% refused)', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await db.query(`
      CREATE TRIGGER tr_fairness_bias_report_comment_no_update_delete BEFORE UPDATE OR DELETE
        ON fairness.bias_report_comment FOR EACH ROW EXECUTE FUNCTION fairness.refuse_change()`);
    await db.query(`
      CREATE TRIGGER tr_fairness_bias_report_comment_no_truncate BEFORE TRUNCATE
        ON fairness.bias_report_comment FOR EACH STATEMENT EXECUTE FUNCTION fairness.refuse_change()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP SCHEMA fairness CASCADE`);
  }
}
