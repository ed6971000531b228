import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A canary's scope: the sites and departments whose clinicians' calls it may serve (empty: every
 * site, every department). A hospital tries a new version at one site or in one department first;
 * outside the scope every unpinned call goes to the deployed version. The scope is fixed for the
 * canary's life (a new scope is a new canary), and each history row records the scope it ran under.
 */
export class CanaryScope1766700000000 implements MigrationInterface {
  name = 'CanaryScope1766700000000';

  async up(db: QueryRunner): Promise<void> {
    for (const table of ['model_canary', 'canary_change']) {
      await db.query(`
        ALTER TABLE registry.${table}
          ADD COLUMN sites text[] NOT NULL DEFAULT '{}',
          ADD COLUMN departments text[] NOT NULL DEFAULT '{}'`);
    }
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of ['model_canary', 'canary_change']) {
      await db.query(`ALTER TABLE registry.${table} DROP COLUMN sites, DROP COLUMN departments`);
    }
  }
}
