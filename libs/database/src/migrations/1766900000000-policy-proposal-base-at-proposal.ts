import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Corrects `access.policy_version.based_on` of pending proposals that 1766800000000 took as based on
 * the version in force at the upgrade: a proposal made before a version activated since (such as the
 * suspension rules 1766400000000 activates in the same upgrade) was then approvable, and approving it
 * silently undid that activation, the very thing `policy.stale` refuses. A pending proposal is based
 * on the version in force when it was made: the latest activation at or before its `created_at`
 * (none: nothing was in force, and the proposal is stale once anything is). Only a `based_on` activated
 * after the proposal was made is corrected; one recorded by the proposing service stays as it is.
 */
export class PolicyProposalBaseAtProposal1766900000000 implements MigrationInterface {
  name = 'PolicyProposalBaseAtProposal1766900000000';

  async up(db: QueryRunner): Promise<void> {
    // The table refuses updates (append-only); this one corrects the column of pending proposals.
    await db.query(
      `ALTER TABLE access.policy_version DISABLE TRIGGER tr_access_policy_version_no_update_delete`,
    );
    await db.query(`
      UPDATE access.policy_version p SET based_on = (
          SELECT a.version FROM access.policy_activation a WHERE a.activated_at <= p.created_at
           ORDER BY a.activated_at DESC, a.version DESC LIMIT 1)
        WHERE NOT EXISTS (SELECT 1 FROM access.policy_activation a WHERE a.version = p.version)
          AND (SELECT b.activated_at FROM access.policy_activation b WHERE b.version = p.based_on) > p.created_at`);
    await db.query(
      `ALTER TABLE access.policy_version ENABLE TRIGGER tr_access_policy_version_no_update_delete`,
    );
  }

  async down(): Promise<void> {
    // What 1766800000000 had written is not kept: a corrected base stays (append-only history).
  }
}
