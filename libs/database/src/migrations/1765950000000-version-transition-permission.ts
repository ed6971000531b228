import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each lifecycle step records the permission it was taken under (`deploy`, `approve`, `transition`,
 * `suspend`), so that a suspension made with the stop button (`suspend`, a security officer's) is
 * resumed only under that permission, not by the model's owner alone. Steps recorded before have
 * none: their suspensions are resumed under `deploy`, as before.
 */
export class VersionTransitionPermission1765950000000 implements MigrationInterface {
  name = 'VersionTransitionPermission1765950000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE registry.version_transition ADD COLUMN permission text`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE registry.version_transition DROP COLUMN permission`);
  }
}
