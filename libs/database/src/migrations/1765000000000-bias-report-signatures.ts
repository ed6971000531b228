import type { MigrationInterface, QueryRunner } from 'typeorm';
import { extendActivePolicy } from './policy-extension.js';

/**
 * Ethics-board sign-off of bias reports (issues 7 and 8): Part 11 electronic signatures bound to a
 * completed report's `reportSha256`, append-only like the registry's signatures; the policy rule
 * that lets ethics-board members sign (`sign BiasReport`), appended to the active policy; and the
 * registry dataset a report's evaluation file is (when one is named).
 */
export class BiasReportSignatures1765000000000 implements MigrationInterface {
  name = 'BiasReportSignatures1765000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE fairness.bias_report ADD COLUMN registry_dataset_id uuid
        CONSTRAINT fk_fairness_bias_report_dataset REFERENCES registry.dataset (id)`);
    await db.query(`
      CREATE TABLE fairness.bias_report_signature (
        id uuid CONSTRAINT pk_fairness_bias_report_signature PRIMARY KEY,
        report_id uuid NOT NULL CONSTRAINT fk_fairness_bias_report_signature_report
          REFERENCES fairness.bias_report (id),
        record_sha256 text NOT NULL
          CONSTRAINT ck_fairness_bias_report_signature_hash CHECK (record_sha256 ~ '^[0-9a-f]{64}$'),
        signer_subject text NOT NULL,
        signer_issuer text NOT NULL,
        printed_name text NOT NULL,
        signer_role text NOT NULL,
        meaning text NOT NULL CONSTRAINT ck_fairness_bias_report_signature_meaning
          CHECK (meaning IN ('authored', 'reviewed', 'approved')),
        reauthenticated_by text NOT NULL,
        signed_at timestamptz NOT NULL,
        signature_sha256 text NOT NULL
      )`);
    await db.query(`
      CREATE INDEX ix_fairness_bias_report_signature_report ON fairness.bias_report_signature (report_id)`);
    await db.query(`
      CREATE TRIGGER tr_fairness_bias_report_signature_no_update_delete BEFORE UPDATE OR DELETE
        ON fairness.bias_report_signature FOR EACH ROW EXECUTE FUNCTION fairness.refuse_change()`);
    await db.query(`
      CREATE TRIGGER tr_fairness_bias_report_signature_no_truncate BEFORE TRUNCATE
        ON fairness.bias_report_signature FOR EACH STATEMENT EXECUTE FUNCTION fairness.refuse_change()`);
    await extendActivePolicy(
      db,
      BIAS_REPORT_SIGN_OFF_RULES,
      'Bias report sign-off (issues 7, 8): ethics-board members sign completed bias reports',
    );
  }

  async down(db: QueryRunner): Promise<void> {
    // The policy version stays (policy versions are append-only); the table goes.
    await db.query(`DROP TABLE fairness.bias_report_signature`);
    await db.query(`ALTER TABLE fairness.bias_report DROP COLUMN registry_dataset_id`);
  }
}

/** Written out literally (a migration never changes); equal, rule for rule, to `DEFAULT_POLICY`'s. */
const BIAS_REPORT_SIGN_OFF_RULES: Record<string, unknown[]> = {
  'ethics-board': [
    {
      action: 'sign',
      subject: 'BiasReport',
      reason: 'the ethics board signs off a completed bias report (21 CFR Part 11)',
    },
  ],
};
