import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Audit records keep their event once: as the canonical bytes the hash covers (`event_jcs`).
 *
 * The generated jsonb copy (`event`) doubled every row (~2 kB for a gateway's inference event), and
 * PostgreSQL parsed each event into it inside the appending transaction: more CPU and WAL per append,
 * and twice the bytes for verification and archives to read past. Readers now parse `event_jcs`
 * (`event_jcs::jsonb` in SQL); the two searches that look inside the event (role, purpose of use)
 * do so too, on rows their other filters have already narrowed.
 *
 * Dropping the column only marks it dropped; existing rows shrink as their months are archived and
 * dropped by retention, so no audit row is rewritten here.
 */
export class AuditEventCanonicalOnly1765600000000 implements MigrationInterface {
  name = 'AuditEventCanonicalOnly1765600000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE audit.event DROP COLUMN event`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      `ALTER TABLE audit.event ADD COLUMN event jsonb NOT NULL GENERATED ALWAYS AS (event_jcs::jsonb) STORED`,
    );
  }
}
