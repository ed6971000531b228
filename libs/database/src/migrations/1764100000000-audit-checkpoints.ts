import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Signed Merkle checkpoints over the audit trail (RFC 9162 style). `merkle_leaf` fixes the order in
 * which records entered the tree; `checkpoint` holds each signed tree head. Both are append-only.
 */
export class AuditCheckpoints1764100000000 implements MigrationInterface {
  name = 'AuditCheckpoints1764100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE audit.merkle_leaf (
        leaf_index bigint CONSTRAINT pk_audit_merkle_leaf PRIMARY KEY
          CONSTRAINT ck_audit_merkle_leaf_index CHECK (leaf_index >= 0),
        stream_id text NOT NULL,
        seq bigint NOT NULL,
        CONSTRAINT uq_audit_merkle_leaf_record UNIQUE (stream_id, seq),
        CONSTRAINT fk_audit_merkle_leaf_event FOREIGN KEY (stream_id, seq) REFERENCES audit.event (stream_id, seq)
      )`);
    await db.query(`
      CREATE TABLE audit.checkpoint (
        id bigint CONSTRAINT pk_audit_checkpoint PRIMARY KEY CONSTRAINT ck_audit_checkpoint_id CHECK (id >= 1),
        tree_size bigint NOT NULL CONSTRAINT ck_audit_checkpoint_size CHECK (tree_size >= 1),
        root_hash text NOT NULL,
        heads jsonb NOT NULL,
        frontier jsonb NOT NULL,
        created_at timestamptz NOT NULL,
        jws text NOT NULL
      )`);
    for (const table of ['merkle_leaf', 'checkpoint']) {
      await db.query(`
        CREATE TRIGGER tr_audit_${table}_no_update_delete BEFORE UPDATE OR DELETE ON audit.${table}
          FOR EACH ROW EXECUTE FUNCTION audit.refuse_change()`);
      await db.query(`
        CREATE TRIGGER tr_audit_${table}_no_truncate BEFORE TRUNCATE ON audit.${table}
          FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change()`);
    }
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE audit.checkpoint`);
    await db.query(`DROP TABLE audit.merkle_leaf`);
  }
}
