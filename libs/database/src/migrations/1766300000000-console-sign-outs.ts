import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `access.console_sign_out`: the web console's signed-out sessions. A console session is an encrypted
 * cookie, so a copy taken before sign-out would stay valid until the token inside expires; every
 * governance process refuses a session whose id is listed here. A row is kept until `expires_at`,
 * by which time the session's token is refused anyway (its expiry plus the largest clock skew any
 * issuer is allowed). The database itself refuses to change a row, or to delete one before that
 * time, so no cleanup (nor anyone else) can bring a signed-out session back while it could be used.
 */
export class ConsoleSignOuts1766300000000 implements MigrationInterface {
  name = 'ConsoleSignOuts1766300000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE access.console_sign_out (
        session_id text CONSTRAINT pk_access_console_sign_out PRIMARY KEY
          CONSTRAINT ck_access_console_sign_out_session_id CHECK (length(session_id) BETWEEN 16 AND 128),
        signed_out_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await db.query(`
      CREATE INDEX ix_access_console_sign_out_expires_at ON access.console_sign_out (expires_at)`);
    await db.query(`
      CREATE FUNCTION access.console_sign_out_expired_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND OLD.expires_at < now() THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'a console sign-out is kept until it expires (% on %.% refused)', TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await db.query(`
      CREATE TRIGGER tr_access_console_sign_out_expired_only
        BEFORE UPDATE OR DELETE ON access.console_sign_out
        FOR EACH ROW EXECUTE FUNCTION access.console_sign_out_expired_only()`);
    await db.query(`
      CREATE TRIGGER tr_access_console_sign_out_no_truncate BEFORE TRUNCATE ON access.console_sign_out
        FOR EACH STATEMENT EXECUTE FUNCTION access.refuse_change()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE access.console_sign_out`);
    await db.query(`DROP FUNCTION access.console_sign_out_expired_only()`);
  }
}
