import type { MigrationInterface, QueryRunner } from 'typeorm';
import { extendActivePolicy } from './policy-extension.js';

/**
 * Regulatory documents (issue 9): one row per generation of a document for a model version, with
 * the generated files, the completeness report and the bundle's SHA-256. Written by the generation
 * job only; regulatory affairs requests and reads them (policy subject `RegulatoryDocument`).
 */
export class RegulatoryDocuments1765100000000 implements MigrationInterface {
  name = 'RegulatoryDocuments1765100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE SCHEMA IF NOT EXISTS regulatory`);
    await db.query(`
      CREATE TABLE regulatory.document (
        id uuid CONSTRAINT pk_regulatory_document PRIMARY KEY,
        kind text NOT NULL,
        model_name text NOT NULL,
        model_version text NOT NULL,
        status text NOT NULL CONSTRAINT ck_regulatory_document_status
          CHECK (status IN ('queued', 'running', 'completed', 'failed')),
        requested_by text NOT NULL,
        job_id text,
        files jsonb,
        completeness jsonb,
        bundle_sha256 text,
        error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz
      )`);
    await db.query(`CREATE INDEX ix_regulatory_document_created ON regulatory.document (created_at DESC)`);
    await extendActivePolicy(
      db,
      REGULATORY_DOCUMENT_RULES,
      'Regulatory documents (issue 9): regulatory affairs generates and reads them',
    );
  }

  async down(db: QueryRunner): Promise<void> {
    // Policy versions are append-only; only the table goes.
    await db.query(`DROP TABLE IF EXISTS regulatory.document`);
  }
}

/** Written out literally (a migration never changes); equal, rule for rule, to `DEFAULT_POLICY`'s. */
const REGULATORY_DOCUMENT_RULES: Record<string, unknown[]> = {
  'regulatory-affairs': [
    { action: 'record', subject: 'RegulatoryDocument' },
    { action: 'read', subject: 'RegulatoryDocument' },
  ],
};
