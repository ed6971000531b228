import type { MigrationInterface, QueryRunner } from 'typeorm';
import { extendActivePolicy } from './policy-extension.js';

/**
 * Bias reports (issue 8) as a policy subject: model owners upload evaluation files, regulatory
 * affairs reads the reports, ethics-board members read and comment on them. Appended to the active
 * policy as its next version, like the registry's rules.
 */
export class BiasReportPolicy1764900000000 implements MigrationInterface {
  name = 'BiasReportPolicy1764900000000';

  async up(db: QueryRunner): Promise<void> {
    await extendActivePolicy(
      db,
      BIAS_REPORT_RULES,
      'Bias reports (issue 8): model owners request them, ethics boards and regulatory affairs read them',
    );
  }

  async down(): Promise<void> {
    // Policy versions are append-only: a later version, approved by two security officers, removes rules.
  }
}

/** Written out literally (a migration never changes); equal, rule for rule, to `DEFAULT_POLICY`'s. */
const BIAS_REPORT_RULES: Record<string, unknown[]> = {
  'model-owner': [
    { action: 'record', subject: 'BiasReport' },
    { action: 'read', subject: 'BiasReport' },
  ],
  'regulatory-affairs': [{ action: 'read', subject: 'BiasReport' }],
  'ethics-board': [
    { action: 'read', subject: 'BiasReport' },
    { action: 'review', subject: 'BiasReport', reason: 'ethics-board members comment on bias reports' },
  ],
};
