import type { MigrationInterface, QueryRunner } from 'typeorm';
import { canonicalJson } from '@praesidium/digest';

const BACKFILL_PAGE = 5000;
/** The largest `toast_tuple_target`: rows up to a whole page stay uncompressed and in line. */
const INLINE_ROW_BYTES = 8160;

/**
 * Audit records keep the exact bytes they were hashed over, and the fork guard becomes one row update.
 *
 * - `audit.event.event_jcs` (text) holds the event's RFC 8785 canonical JSON, the bytes inside the
 *   record's hash. `event` (jsonb, for search and readers) becomes a generated column computed from
 *   it, so the two cannot disagree: `event` cannot be written at all, and editing `event_jcs` breaks
 *   the record's hash. Verification hashes `event_jcs` as stored instead of re-canonicalizing jsonb.
 *   Existing rows get theirs from their jsonb here, exactly as verification computed it until now.
 * - `audit.stream_head` keeps each stream's last (seq, hash). `audit.continue_chain()`, after each
 *   INSERT statement on `audit.event`, moves the head of every stream in the batch with one UPDATE
 *   that matches only if the batch is contiguous, linked, and starts right after the head; otherwise
 *   it refuses the statement. The head row's lock serializes appenders of one stream. This replaces
 *   `audit.refuse_fork()`, whose lookups of the head and the count across every monthly partition
 *   made each append dearer. Heads move only from that trigger, forward: `audit.guard_stream_head`
 *   refuses any other UPDATE, so even the owning role cannot rewind a head without switching
 *   triggers off (and verification still finds what that hides).
 * - A record now carries its event twice (about 2 kB for a gateway's inference event), past the
 *   2 kB at which PostgreSQL starts compressing and moving values out of line. Every month's
 *   partition gets `toast_tuple_target = 8160`, so records stay whole in their heap page: an append
 *   writes no TOAST rows and verification reads none.
 * - A head exists only for a registered stream (made when `audit.stream` gets its row), so a record
 *   of an unknown stream is refused by the guard: `fk_audit_event_stream` and its per-row lookup go.
 */
export class AuditCanonicalEvents1765500000000 implements MigrationInterface {
  name = 'AuditCanonicalEvents1765500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE audit.event ADD COLUMN event_jcs text`);
    await this.backfillCanonical(db);
    await db.query(`ALTER TABLE audit.event ALTER COLUMN event_jcs SET NOT NULL`);
    await db.query(`ALTER TABLE audit.event DROP COLUMN event`);
    await db.query(
      `ALTER TABLE audit.event ADD COLUMN event jsonb NOT NULL GENERATED ALWAYS AS (event_jcs::jsonb) STORED`,
    );
    await this.keepRowsInline(db);
    await this.createStreamHeads(db);
    await db.query(`DROP TRIGGER tr_audit_event_continue_chain ON audit.event`);
    await db.query(`DROP FUNCTION audit.refuse_fork()`);
    await this.createChainGuard(db);
    await db.query(`ALTER TABLE audit.event DROP CONSTRAINT fk_audit_event_stream`);
  }

  /** The canonical bytes of every existing record, computed from its jsonb as verification did. */
  private async backfillCanonical(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE audit.event DISABLE TRIGGER tr_audit_event_no_update_delete`);
    let after: [string, string] = ['', '0'];
    for (;;) {
      const rows = (await db.query(
        `SELECT stream_id, seq, event FROM audit.event WHERE (stream_id, seq) > ($1, $2)
          ORDER BY stream_id, seq LIMIT ${BACKFILL_PAGE}`,
        after,
      )) as { stream_id: string; seq: string; event: unknown }[];
      if (rows.length === 0) break;
      await db.query(
        `UPDATE audit.event e SET event_jcs = u.jcs
           FROM unnest($1::text[], $2::bigint[], $3::text[]) AS u (stream_id, seq, jcs)
          WHERE e.stream_id = u.stream_id AND e.seq = u.seq`,
        [
          rows.map((row) => row.stream_id),
          rows.map((row) => row.seq),
          rows.map((row) => canonicalJson(row.event)),
        ],
      );
      const last = rows[rows.length - 1];
      after = [last.stream_id, last.seq];
    }
    await db.query(`ALTER TABLE audit.event ENABLE TRIGGER tr_audit_event_no_update_delete`);
  }

  private async keepRowsInline(db: QueryRunner): Promise<void> {
    const partitions = (await db.query(
      `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'audit.event'::regclass`,
    )) as { relname: string }[];
    for (const { relname } of partitions) {
      await db.query(`ALTER TABLE audit.${relname} SET (toast_tuple_target = ${INLINE_ROW_BYTES})`);
    }
    await db.query(`
      CREATE OR REPLACE FUNCTION audit.create_month_partitions(at timestamptz) RETURNS void
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      DECLARE
        month_start timestamptz;
        partition_name text;
      BEGIN
        FOR offset_months IN 0..1 LOOP
          month_start := (date_trunc('month', at AT TIME ZONE 'UTC') + make_interval(months => offset_months))
            AT TIME ZONE 'UTC';
          partition_name := 'event_' || to_char(month_start AT TIME ZONE 'UTC', 'YYYY_MM');
          CONTINUE WHEN to_regclass('audit.' || partition_name) IS NOT NULL;
          -- Two writers starting a month together: the second waits, then finds the table.
          PERFORM pg_advisory_xact_lock(7235004);
          CONTINUE WHEN to_regclass('audit.' || partition_name) IS NOT NULL;
          EXECUTE format('CREATE TABLE audit.%I PARTITION OF audit.event FOR VALUES FROM (%L) TO (%L)
            WITH (toast_tuple_target = ${INLINE_ROW_BYTES})',
            partition_name, month_start, (month_start AT TIME ZONE 'UTC' + interval '1 month') AT TIME ZONE 'UTC');
          EXECUTE format('CREATE TRIGGER tr_audit_%s_no_truncate BEFORE TRUNCATE ON audit.%I
            FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change()', partition_name, partition_name);
        END LOOP;
      END $$`);
  }

  private async createStreamHeads(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE audit.stream_head (
        stream_id text CONSTRAINT pk_audit_stream_head PRIMARY KEY
          CONSTRAINT fk_audit_stream_head_stream REFERENCES audit.stream (id),
        seq bigint NOT NULL CONSTRAINT ck_audit_stream_head_seq CHECK (seq >= 0),
        hash text NOT NULL
      )`);
    // Where each stream goes on: its last record, else its retention anchor, else the genesis.
    await db.query(`
      INSERT INTO audit.stream_head (stream_id, seq, hash)
      SELECT s.id, COALESCE(h.seq, 0), COALESCE(h.hash, repeat('0', 64))
        FROM audit.stream s
        LEFT JOIN LATERAL (
          (SELECT e.seq, e.hash FROM audit.event e WHERE e.stream_id = s.id ORDER BY e.seq DESC LIMIT 1)
          UNION ALL
          (SELECT a.seq, a.hash FROM audit.retention_anchor a WHERE a.stream_id = s.id ORDER BY a.seq DESC LIMIT 1)
          ORDER BY seq DESC LIMIT 1) h ON true`);
    await db.query(`
      CREATE FUNCTION audit.open_stream_head() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      BEGIN
        INSERT INTO audit.stream_head (stream_id, seq, hash) VALUES (NEW.id, 0, repeat('0', 64));
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER tr_audit_stream_open_head AFTER INSERT ON audit.stream
        FOR EACH ROW EXECUTE FUNCTION audit.open_stream_head()`);
    // Only the chain guard (a trigger, so nesting depth 2 here) moves a head, and only forward.
    await db.query(`
      CREATE FUNCTION audit.guard_stream_head() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF pg_trigger_depth() < 2 OR NEW.stream_id <> OLD.stream_id OR NEW.seq <= OLD.seq THEN
          RAISE EXCEPTION 'audit stream heads move only by appending to their stream'
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await db.query(`
      CREATE TRIGGER tr_audit_stream_head_forward BEFORE UPDATE ON audit.stream_head
        FOR EACH ROW EXECUTE FUNCTION audit.guard_stream_head()`);
    await db.query(`
      CREATE TRIGGER tr_audit_stream_head_no_delete BEFORE DELETE ON audit.stream_head
        FOR EACH ROW EXECUTE FUNCTION audit.refuse_change()`);
    await db.query(`
      CREATE TRIGGER tr_audit_stream_head_no_truncate BEFORE TRUNCATE ON audit.stream_head
        FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change()`);
  }

  /**
   * After each INSERT statement: every stream's rows in it must be contiguous, each linked to the
   * one before, the first right after the stream's head. One UPDATE checks and moves all heads; its
   * row lock makes a concurrent appender of the same stream wait, then find the head moved.
   */
  private async createChainGuard(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION audit.continue_chain() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      DECLARE
        batches bigint;
        moved bigint;
        refused record;
      BEGIN
        WITH batch AS (
          SELECT stream_id, min(seq) AS first_seq, max(seq) AS last_seq, count(*) AS rows,
                 bool_and(linked) AS linked, (array_agg(prev_hash ORDER BY seq))[1] AS first_prev_hash,
                 (array_agg(hash ORDER BY seq DESC))[1] AS last_hash
            FROM (SELECT stream_id, seq, prev_hash, hash, COALESCE(prev_hash = lag(hash) OVER w, true) AS linked
                    FROM new_rows WINDOW w AS (PARTITION BY stream_id ORDER BY seq)) batch_rows
           GROUP BY stream_id
        ), heads AS (
          UPDATE audit.stream_head h SET seq = b.last_seq, hash = b.last_hash
            FROM batch b
           WHERE h.stream_id = b.stream_id AND h.seq = b.first_seq - 1 AND h.hash = b.first_prev_hash
             AND b.linked AND b.last_seq - b.first_seq + 1 = b.rows
          RETURNING h.stream_id
        )
        SELECT (SELECT count(*) FROM batch), (SELECT count(*) FROM heads) INTO batches, moved;
        IF moved <> batches THEN
          SELECT min(n.seq) AS first_seq, min(h.seq) AS head_seq INTO refused
            FROM new_rows n LEFT JOIN audit.stream_head h ON h.stream_id = n.stream_id;
          RAISE EXCEPTION 'audit records must continue their stream''s chain (seq % after head %)',
            refused.first_seq, COALESCE(refused.head_seq, 0) USING ERRCODE = 'unique_violation';
        END IF;
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER tr_audit_event_continue_chain AFTER INSERT ON audit.event
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit.continue_chain()`);
  }

  async down(): Promise<void> {
    throw new Error('the canonical audit events are not reversible: they hold the audit trail');
  }
}
