import type { MigrationInterface, QueryRunner } from 'typeorm';
import { extendActivePolicy } from './policy-extension.js';

/**
 * `access.principal_suspension`: people a security officer has locked out (a stolen token or laptop,
 * a compromised account), by the subject at the issuer their tokens name. Every process refuses a
 * listed person's tokens within a second, whatever their expiry. A suspension is lifted by filling in
 * its lift columns, once; nothing else ever changes and no row is deleted (the database refuses), so
 * the table is the history of every suspension. At most one suspension per person is active (not
 * lifted) at a time.
 *
 * Then the policy: security officers and administrators suspend people, lift suspensions and read
 * them (`suspend` and `read` on `PrincipalSuspension`), as the next policy version.
 */
export class PrincipalSuspensions1766400000000 implements MigrationInterface {
  name = 'PrincipalSuspensions1766400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE access.principal_suspension (
        id uuid CONSTRAINT pk_access_principal_suspension PRIMARY KEY,
        issuer text NOT NULL CONSTRAINT ck_access_principal_suspension_issuer CHECK (length(issuer) BETWEEN 1 AND 2048),
        subject text NOT NULL CONSTRAINT ck_access_principal_suspension_subject CHECK (length(subject) BETWEEN 1 AND 255),
        reason text NOT NULL CONSTRAINT ck_access_principal_suspension_reason CHECK (length(reason) BETWEEN 1 AND 2000),
        suspended_by_subject text NOT NULL,
        suspended_by_issuer text NOT NULL,
        suspended_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        lifted_at timestamptz,
        lifted_by_subject text,
        lifted_by_issuer text,
        lift_reason text CONSTRAINT ck_access_principal_suspension_lift_reason CHECK (length(lift_reason) BETWEEN 1 AND 2000),
        CONSTRAINT ck_access_principal_suspension_lifted CHECK (
          (lifted_at IS NULL AND lifted_by_subject IS NULL AND lifted_by_issuer IS NULL AND lift_reason IS NULL)
          OR (lifted_at IS NOT NULL AND lifted_by_subject IS NOT NULL AND lifted_by_issuer IS NOT NULL
              AND lift_reason IS NOT NULL AND lifted_at >= suspended_at))
      )`);
    // One active suspension per person, whoever races to add a second; also what every process reads.
    await db.query(`
      CREATE UNIQUE INDEX uq_access_principal_suspension_active
        ON access.principal_suspension (issuer, subject) WHERE lifted_at IS NULL`);
    await db.query(`
      CREATE INDEX ix_access_principal_suspension_suspended_at
        ON access.principal_suspension (suspended_at DESC)`);
    await db.query(`
      CREATE FUNCTION access.principal_suspension_lift_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' AND OLD.lifted_at IS NULL AND NEW.lifted_at IS NOT NULL
           AND (NEW.id, NEW.issuer, NEW.subject, NEW.reason, NEW.suspended_by_subject,
                NEW.suspended_by_issuer, NEW.suspended_at)
               IS NOT DISTINCT FROM (OLD.id, OLD.issuer, OLD.subject, OLD.reason, OLD.suspended_by_subject,
                OLD.suspended_by_issuer, OLD.suspended_at) THEN
          RETURN NEW;
        END IF;
        RAISE EXCEPTION 'a suspension is only ever lifted, once (% on %.% refused)', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await db.query(`
      CREATE TRIGGER tr_access_principal_suspension_lift_only
        BEFORE UPDATE OR DELETE ON access.principal_suspension
        FOR EACH ROW EXECUTE FUNCTION access.principal_suspension_lift_only()`);
    await db.query(`
      CREATE TRIGGER tr_access_principal_suspension_no_truncate BEFORE TRUNCATE ON access.principal_suspension
        FOR EACH STATEMENT EXECUTE FUNCTION access.refuse_change()`);
    await extendActivePolicy(
      db,
      PRINCIPAL_SUSPENSION_RULES,
      'Suspending a person: security officers and administrators lock out a person at once, and lift it',
    );
  }

  async down(db: QueryRunner): Promise<void> {
    // The policy versions stay (append-only); without the table their rules grant nothing.
    await db.query(`DROP TABLE access.principal_suspension`);
    await db.query(`DROP FUNCTION access.principal_suspension_lift_only()`);
  }
}

/** Written out literally (a migration never changes); equal, rule for rule, to `DEFAULT_POLICY`'s. */
const PRINCIPAL_SUSPENSION_RULES: Record<string, unknown[]> = {
  'security-officer': [
    {
      action: 'suspend',
      subject: 'PrincipalSuspension',
      reason: 'incident response: lock out a person whose token or account is compromised, and lift it',
    },
    { action: 'read', subject: 'PrincipalSuspension' },
  ],
  administrator: [
    {
      action: 'suspend',
      subject: 'PrincipalSuspension',
      reason: 'incident response: lock out a person whose token or account is compromised, and lift it',
    },
    { action: 'read', subject: 'PrincipalSuspension' },
  ],
};
