import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Monthly partitions of `audit.event` and the tables retention needs.
 *
 * - `audit.event` becomes RANGE-partitioned on `recorded_at`, one partition per calendar month (UTC),
 *   named `audit.event_YYYY_MM`. Every row is copied over; the old table is dropped.
 * - No DEFAULT partition: a row there would block creating its month's partition and could never be
 *   moved out (the table is append-only), so that month could never be dropped. Instead
 *   `audit.create_month_partitions(at)` creates the month of `at` and the next one; this migration
 *   calls it for every month that holds records and for now, and every writer calls it before the
 *   first append of each month it writes, so an append never lacks a partition.
 * - A primary key on a partitioned table must include the partition key, so (stream_id, seq) is no
 *   longer unique by constraint. `audit.refuse_fork()` (after each INSERT statement, under a per-stream
 *   advisory lock) refuses any batch that does not continue its stream's head exactly: contiguous seqs
 *   right after the head (or the retention anchor), each record linked to the one before. Forks and
 *   gaps are thus refused at insert time; someone who switches triggers off is still caught by
 *   verification (a repeated or missing seq breaks the chain, and merkle_leaf stays unique).
 * - Retention: `audit.retention` (one row per dropped month, with its archive's digest),
 *   `audit.retention_anchor` (per stream, the seq and hash of the last dropped record: where the
 *   retained chain starts) and `audit.dropped_record` (the hash of every dropped record, so Merkle
 *   proofs of the remaining ones still build). All append-only. `audit.drop_month_partition(month)`
 *   drops a month's partition only once its retention row exists and every record of it has its hash
 *   in `dropped_record` and its stream's anchor recorded.
 */
export class AuditPartitions1764200000000 implements MigrationInterface {
  name = 'AuditPartitions1764200000000';

  async up(db: QueryRunner): Promise<void> {
    // merkle_leaf cannot reference a partitioned table by (stream_id, seq), and must outlive dropped
    // months: checkpoint verification reports a leaf whose record is gone (`record_missing`).
    await db.query(`ALTER TABLE audit.merkle_leaf DROP CONSTRAINT fk_audit_merkle_leaf_event`);
    await this.renameUnpartitioned(db);
    await this.createRetentionTables(db);
    await db.query(`
      CREATE TABLE audit.event (
        stream_id text NOT NULL CONSTRAINT fk_audit_event_stream REFERENCES audit.stream (id),
        seq bigint NOT NULL CONSTRAINT ck_audit_event_seq CHECK (seq >= 1),
        id uuid NOT NULL,
        recorded_at timestamptz NOT NULL,
        action text NOT NULL,
        outcome text NOT NULL,
        reason_code text,
        agent_subject text,
        patient_pseudonym text,
        model_name text,
        event jsonb NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        CONSTRAINT pk_audit_event PRIMARY KEY (stream_id, seq, recorded_at)
      ) PARTITION BY RANGE (recorded_at)`);
    await db.query(`CREATE INDEX ix_audit_event_recorded_at ON audit.event (recorded_at)`);
    await db.query(`CREATE INDEX ix_audit_event_patient ON audit.event (patient_pseudonym, recorded_at)`);
    await db.query(`CREATE INDEX ix_audit_event_agent ON audit.event (agent_subject, recorded_at)`);
    await this.createPartitionFunctions(db);

    await db.query(`
      SELECT audit.create_month_partitions(month)
        FROM (SELECT DISTINCT date_trunc('month', recorded_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS month
                FROM audit.event_unpartitioned
              UNION SELECT now()) months`);
    await db.query(`INSERT INTO audit.event SELECT * FROM audit.event_unpartitioned`);
    await db.query(`DROP TABLE audit.event_unpartitioned`);

    // Row triggers on the parent are cloned onto every partition, present and future; TRUNCATE
    // triggers are not, so create_month_partitions adds one to each partition it makes.
    await db.query(`
      CREATE TRIGGER tr_audit_event_no_update_delete BEFORE UPDATE OR DELETE ON audit.event
        FOR EACH ROW EXECUTE FUNCTION audit.refuse_change()`);
    await db.query(`
      CREATE TRIGGER tr_audit_event_no_truncate BEFORE TRUNCATE ON audit.event
        FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change()`);
    await this.createForkGuard(db);
  }

  /** The old table moves aside, its index and constraint names freed for the partitioned one. */
  private async renameUnpartitioned(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE audit.event RENAME TO event_unpartitioned`);
    for (const [from, to] of [
      ['pk_audit_event', 'pk_audit_event_unpartitioned'],
      ['uq_audit_event_id', 'uq_audit_event_unpartitioned_id'],
      ['fk_audit_event_stream', 'fk_audit_event_unpartitioned_stream'],
      ['ck_audit_event_seq', 'ck_audit_event_unpartitioned_seq'],
    ]) {
      await db.query(`ALTER TABLE audit.event_unpartitioned RENAME CONSTRAINT ${from} TO ${to}`);
    }
    for (const index of ['ix_audit_event_recorded_at', 'ix_audit_event_patient', 'ix_audit_event_agent']) {
      await db.query(`ALTER INDEX audit.${index} RENAME TO ${index.replace('event', 'event_unpartitioned')}`);
    }
  }

  private async createRetentionTables(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE audit.retention (
        month text CONSTRAINT pk_audit_retention PRIMARY KEY
          CONSTRAINT ck_audit_retention_month CHECK (month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
        records bigint NOT NULL,
        archive_sha256 text NOT NULL,
        manifest_jws text NOT NULL,
        dropped_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE audit.retention_anchor (
        stream_id text NOT NULL CONSTRAINT fk_audit_retention_anchor_stream REFERENCES audit.stream (id),
        seq bigint NOT NULL CONSTRAINT ck_audit_retention_anchor_seq CHECK (seq >= 1),
        hash text NOT NULL,
        month text NOT NULL CONSTRAINT fk_audit_retention_anchor_month REFERENCES audit.retention (month),
        CONSTRAINT pk_audit_retention_anchor PRIMARY KEY (stream_id, seq)
      )`);
    await db.query(`
      CREATE TABLE audit.dropped_record (
        stream_id text NOT NULL,
        seq bigint NOT NULL,
        hash text NOT NULL,
        month text NOT NULL CONSTRAINT fk_audit_dropped_record_month REFERENCES audit.retention (month),
        CONSTRAINT pk_audit_dropped_record PRIMARY KEY (stream_id, seq)
      )`);
    for (const table of ['retention', 'retention_anchor', 'dropped_record']) {
      await db.query(`
        CREATE TRIGGER tr_audit_${table}_no_update_delete BEFORE UPDATE OR DELETE ON audit.${table}
          FOR EACH ROW EXECUTE FUNCTION audit.refuse_change()`);
      await db.query(`
        CREATE TRIGGER tr_audit_${table}_no_truncate BEFORE TRUNCATE ON audit.${table}
          FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change()`);
    }
  }

  /**
   * SECURITY DEFINER, owned by the migrating role (the tables' owner): the application role creates
   * next month's partition without owning anything, and drops none. Creating is harmless, so any
   * role may; dropping is for the role the operator grants it to (see docker/README.md).
   */
  private async createPartitionFunctions(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION audit.create_month_partitions(at timestamptz) RETURNS void
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
          EXECUTE format('CREATE TABLE audit.%I PARTITION OF audit.event FOR VALUES FROM (%L) TO (%L)',
            partition_name, month_start, (month_start AT TIME ZONE 'UTC' + interval '1 month') AT TIME ZONE 'UTC');
          EXECUTE format('CREATE TRIGGER tr_audit_%s_no_truncate BEFORE TRUNCATE ON audit.%I
            FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change()', partition_name, partition_name);
        END LOOP;
      END $$`);
    await db.query(`
      CREATE FUNCTION audit.drop_month_partition(month text) RETURNS void
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      DECLARE
        partition_name text := 'event_' || replace(month, '-', '_');
        unkept boolean;
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM audit.retention r WHERE r.month = drop_month_partition.month)
           OR to_regclass('audit.' || partition_name) IS NULL THEN
          RAISE EXCEPTION 'audit month % has no retention record or no partition: run the retention command', month
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        -- The database's own last line: nothing is dropped whose hash and stream anchor are not kept.
        EXECUTE format(
          'SELECT EXISTS (SELECT 1 FROM audit.%1$I p LEFT JOIN audit.dropped_record d
                            ON d.stream_id = p.stream_id AND d.seq = p.seq AND d.hash = p.hash AND d.month = $1
                          WHERE d.seq IS NULL)
               OR EXISTS (SELECT 1 FROM (SELECT stream_id, max(seq) AS seq FROM audit.%1$I GROUP BY stream_id) l
                          LEFT JOIN audit.retention_anchor a
                            ON a.stream_id = l.stream_id AND a.seq = l.seq AND a.month = $1
                          WHERE a.seq IS NULL)', partition_name)
          INTO unkept USING month;
        IF unkept THEN
          RAISE EXCEPTION 'audit month % has records whose hash or stream anchor is not kept', month
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        EXECUTE format('DROP TABLE audit.%I', partition_name);
      END $$`);
    await db.query(`REVOKE ALL ON FUNCTION audit.drop_month_partition(text) FROM PUBLIC`);
  }

  private async createForkGuard(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION audit.refuse_fork() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        batch record;
        head_seq bigint;
        head_hash text;
      BEGIN
        FOR batch IN
          SELECT stream_id, min(seq) AS first_seq, max(seq) AS last_seq, count(*) AS rows,
                 bool_and(linked) AS linked, (array_agg(prev_hash ORDER BY seq))[1] AS first_prev_hash
            FROM (SELECT stream_id, seq, prev_hash,
                         COALESCE(prev_hash = lag(hash) OVER w, true) AS linked
                    FROM new_rows WINDOW w AS (PARTITION BY stream_id ORDER BY seq)) batch_rows
           GROUP BY stream_id
        LOOP
          -- One appender per stream at a time; after the lock, this statement's queries see the rows
          -- any other appender committed (READ COMMITTED takes a snapshot per statement).
          PERFORM pg_advisory_xact_lock(7235003, hashtext(batch.stream_id));
          SELECT e.seq, e.hash INTO head_seq, head_hash FROM audit.event e
           WHERE e.stream_id = batch.stream_id AND e.seq < batch.first_seq ORDER BY e.seq DESC LIMIT 1;
          IF head_seq IS NULL THEN
            SELECT a.seq, a.hash INTO head_seq, head_hash FROM audit.retention_anchor a
             WHERE a.stream_id = batch.stream_id ORDER BY a.seq DESC LIMIT 1;
          END IF;
          IF batch.last_seq - batch.first_seq + 1 <> batch.rows OR NOT batch.linked
             OR batch.first_seq <> COALESCE(head_seq, 0) + 1
             OR batch.first_prev_hash <> COALESCE(head_hash, repeat('0', 64))
             OR (SELECT count(*) FROM audit.event e
                  WHERE e.stream_id = batch.stream_id AND e.seq >= batch.first_seq) <> batch.rows THEN
            RAISE EXCEPTION 'audit records must continue their stream''s chain (seq % after head %)',
              batch.first_seq, COALESCE(head_seq, 0) USING ERRCODE = 'unique_violation';
          END IF;
        END LOOP;
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER tr_audit_event_continue_chain AFTER INSERT ON audit.event
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_fork()`);
  }

  async down(): Promise<void> {
    throw new Error('the audit partitioning is not reversible: it holds the audit trail');
  }
}
