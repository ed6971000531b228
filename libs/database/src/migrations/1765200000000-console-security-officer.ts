import type { MigrationInterface, QueryRunner } from 'typeorm';
import { extendActivePolicy } from './policy-extension.js';

/**
 * The governance console (issue 10): a security officer takes a model version out of service
 * (suspend) and rotates the gateway's encryption keys from the console, as incident response needs.
 * Policy only: no table changes.
 */
export class ConsoleSecurityOfficer1765200000000 implements MigrationInterface {
  name = 'ConsoleSecurityOfficer1765200000000';

  async up(db: QueryRunner): Promise<void> {
    await extendActivePolicy(
      db,
      CONSOLE_SECURITY_OFFICER_RULES,
      'Governance console (issue 10): security officers suspend model versions and rotate keys',
    );
  }

  async down(): Promise<void> {
    // Policy versions are append-only: nothing to undo.
  }
}

/** Written out literally (a migration never changes); equal, rule for rule, to `DEFAULT_POLICY`'s. */
const CONSOLE_SECURITY_OFFICER_RULES: Record<string, unknown[]> = {
  'security-officer': [
    {
      action: 'suspend',
      subject: 'ModelVersion',
      reason: 'incident response: a security officer takes a deployed model version out of service',
    },
    {
      action: 'rotate',
      subject: 'Key',
      reason: 'key management: rotate the gateway encryption keys, the old ones kept for a grace period',
    },
  ],
};
