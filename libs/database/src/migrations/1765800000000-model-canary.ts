import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Canary rollouts: a model's approved version serving a share (1–50 %) of its unpinned calls beside
 * the deployed version. `registry.model_canary` holds the canary running now, one row per model at
 * most (the model is its primary key); `registry.canary_change` is its append-only history. A change
 * of the running canary notifies `praesidium_registry`, as a status change of a version does.
 */
export class ModelCanary1765800000000 implements MigrationInterface {
  name = 'ModelCanary1765800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE registry.model_canary (
        model_id uuid CONSTRAINT pk_registry_model_canary PRIMARY KEY
          CONSTRAINT fk_registry_model_canary_model REFERENCES registry.model (id),
        id uuid NOT NULL CONSTRAINT uq_registry_model_canary_id UNIQUE,
        version_id uuid NOT NULL
          CONSTRAINT fk_registry_model_canary_version REFERENCES registry.model_version (id),
        share_percent integer NOT NULL
          CONSTRAINT ck_registry_model_canary_share CHECK (share_percent BETWEEN 1 AND 50),
        started_by text NOT NULL,
        started_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      )`);
    await db.query(`
      CREATE TABLE registry.canary_change (
        id uuid CONSTRAINT pk_registry_canary_change PRIMARY KEY,
        canary_id uuid NOT NULL,
        model_id uuid NOT NULL CONSTRAINT fk_registry_canary_change_model REFERENCES registry.model (id),
        version_id uuid NOT NULL
          CONSTRAINT fk_registry_canary_change_version REFERENCES registry.model_version (id),
        action text NOT NULL CONSTRAINT ck_registry_canary_change_action
          CHECK (action IN ('start', 'share', 'promote', 'abort', 'stop')),
        share_percent integer NOT NULL,
        actor text NOT NULL,
        reason text NOT NULL,
        at timestamptz NOT NULL
      )`);
    await db.query(`CREATE INDEX ix_registry_canary_change_model ON registry.canary_change (model_id, at)`);
    await db.query(`
      CREATE TRIGGER tr_registry_canary_change_no_update_delete BEFORE UPDATE OR DELETE ON registry.canary_change
        FOR EACH ROW EXECUTE FUNCTION registry.refuse_change()`);
    await db.query(`
      CREATE TRIGGER tr_registry_canary_change_no_truncate BEFORE TRUNCATE ON registry.canary_change
        FOR EACH STATEMENT EXECUTE FUNCTION registry.refuse_change()`);
    await db.query(`
      CREATE FUNCTION registry.notify_canary() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('praesidium_registry', COALESCE(NEW.model_id, OLD.model_id)::text);
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER tr_registry_model_canary_notify AFTER INSERT OR UPDATE OR DELETE
        ON registry.model_canary FOR EACH ROW EXECUTE FUNCTION registry.notify_canary()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE registry.model_canary`);
    await db.query(`DROP FUNCTION registry.notify_canary()`);
    await db.query(`DROP TABLE registry.canary_change`);
  }
}
