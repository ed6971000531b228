import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `access.policy_version.based_on`: the version in force when a version was proposed. Its approver
 * reviews the change from that version, so it may be activated only while that version is still in
 * force (`policy.stale` otherwise): approving a proposal made before a newer activation would silently
 * undo that activation. Proposals still pending now are taken as based on the version in force now.
 */
export class PolicyProposalBase1766800000000 implements MigrationInterface {
  name = 'PolicyProposalBase1766800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE access.policy_version ADD COLUMN based_on integer
        CONSTRAINT fk_access_policy_version_based_on REFERENCES access.policy_version (version)`);
    // The table refuses updates (append-only); this one fills the new column of pending proposals.
    await db.query(
      `ALTER TABLE access.policy_version DISABLE TRIGGER tr_access_policy_version_no_update_delete`,
    );
    await db.query(`
      UPDATE access.policy_version SET based_on = (
          SELECT version FROM access.policy_activation ORDER BY activated_at DESC, version DESC LIMIT 1)
        WHERE version NOT IN (SELECT version FROM access.policy_activation)`);
    await db.query(
      `ALTER TABLE access.policy_version ENABLE TRIGGER tr_access_policy_version_no_update_delete`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE access.policy_version DROP COLUMN based_on`);
  }
}
