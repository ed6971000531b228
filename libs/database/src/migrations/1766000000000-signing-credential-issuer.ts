import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Signing PINs are keyed by the issuer and subject of the signer's token, not the subject alone: with
 * several trusted issuers, the same `sub` at another IdP is someone else, who must neither set, use
 * nor lock the signer's PIN.
 *
 * A PIN set before was set under an issuer no row kept. The audit trail shows it: every PIN was set
 * through `PUT /signing-pin` (`signing_pin.set`) and used by signing (`model_version.signed`,
 * `bias_report.signed`), each success recorded with the agent's subject and issuer. A PIN whose
 * successes all name one issuer is bound to it. Any other (successes under two issuers, one without
 * an issuer, or none left in the trail) gets the empty issuer, which no verified token carries: it
 * signs for nobody, and no PIN of that subject can be set beside it, until an operator binds it to
 * the right issuer with `praesidium signing-pins bind`. Fail closed: an unknown issuer's PIN is not
 * handed to whichever namesake asks first, nor replaced by whoever holds a bearer token alone.
 */
export class SigningCredentialIssuer1766000000000 implements MigrationInterface {
  name = 'SigningCredentialIssuer1766000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE registry.signing_credential ADD COLUMN issuer text`);
    // The trail is read by its agent index: only the subjects that hold a PIN.
    await db.query(`
      WITH evidence AS (
        SELECT e.agent_subject AS subject, e.event_jcs::jsonb -> 'agent' ->> 'issuer' AS issuer
          FROM audit.event e
         WHERE e.agent_subject IN (SELECT subject FROM registry.signing_credential)
           AND e.action IN ('signing_pin.set', 'model_version.signed', 'bias_report.signed')
           AND e.outcome = 'success'),
      proven AS (
        SELECT subject, min(issuer) AS issuer FROM evidence GROUP BY subject
        HAVING count(*) = count(issuer) AND count(DISTINCT issuer) = 1)
      UPDATE registry.signing_credential c
         SET issuer = COALESCE((SELECT p.issuer FROM proven p WHERE p.subject = c.subject), '')`);
    await db.query(`ALTER TABLE registry.signing_credential ALTER COLUMN issuer SET NOT NULL`);
    await db.query(`ALTER TABLE registry.signing_credential DROP CONSTRAINT pk_registry_signing_credential`);
    await db.query(`
      ALTER TABLE registry.signing_credential
        ADD CONSTRAINT pk_registry_signing_credential PRIMARY KEY (issuer, subject)`);
  }

  async down(db: QueryRunner): Promise<void> {
    // Back to one PIN per subject: of namesakes, the most recently set one stays.
    await db.query(`
      DELETE FROM registry.signing_credential c
       WHERE EXISTS (SELECT 1 FROM registry.signing_credential n
                      WHERE n.subject = c.subject
                        AND (n.updated_at, n.issuer) > (c.updated_at, c.issuer))`);
    await db.query(`ALTER TABLE registry.signing_credential DROP CONSTRAINT pk_registry_signing_credential`);
    await db.query(`ALTER TABLE registry.signing_credential DROP COLUMN issuer`);
    await db.query(`
      ALTER TABLE registry.signing_credential
        ADD CONSTRAINT pk_registry_signing_credential PRIMARY KEY (subject)`);
  }
}
