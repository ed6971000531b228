import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A version keeps the model's description it was approved under (`approved_description`): intended
 * use, limitations, departments, risk class, profile and classification. The gateway authorizes
 * (departments, risk class) and describes (intended use, limitations) a version as approved, so
 * changing the model's description for later versions (`PUT /models/{name}`) no longer widens who
 * may use, or lowers the risk class of, a version already approved or deployed.
 *
 * Versions approved before this migration get the model's description as it stands: the only record
 * of it there is.
 */
export class ApprovedModelDescription1765900000000 implements MigrationInterface {
  name = 'ApprovedModelDescription1765900000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE registry.model_version ADD COLUMN approved_description jsonb`);
    await db.query(`
      UPDATE registry.model_version v
         SET approved_description = jsonb_build_object(
               'intendedUse', m.intended_use, 'limitations', m.limitations,
               'departments', to_jsonb(m.departments), 'riskClass', m.risk_class,
               'profile', m.profile, 'classification', m.classification)
        FROM registry.model m
       WHERE m.id = v.model_id AND v.status IN ('approved', 'deployed', 'suspended', 'retired')`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE registry.model_version DROP COLUMN approved_description`);
  }
}
