import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Audit records keep their event once, as the canonical bytes the hash covers, and the chain guard
 * costs less per append.
 *
 * - The generated jsonb copy `event` is dropped. It doubled every row (~2 kB for a gateway's
 *   inference event), and PostgreSQL parsed each event into it inside the appending transaction:
 *   more CPU and WAL per append, twice the bytes for verification and archives to read past.
 *   Readers now parse `event_jcs` (`event_jcs::jsonb` in SQL); the two searches that look inside
 *   the event (role, purpose of use) do so too, on rows their other filters have already narrowed.
 *   Dropping the column only marks it dropped: no audit row is rewritten here; old rows shrink as
 *   retention archives their months.
 * - `audit.continue_chain()` walks the statement's rows in (stream, seq) order against each stream's
 *   head, locked with SELECT … FOR UPDATE, instead of one set-based UPDATE with window functions and
 *   array aggregates, which cost more than the insert itself for the one-record batches of a quiet
 *   gateway. What it refuses is unchanged: a batch whose rows are not contiguous, not linked to each
 *   other, or not starting right after the stream's head. The lock still serializes the appenders of
 *   one stream: a batch inserted while the one before it commits waits, then continues the moved head.
 */
export class AuditEventCanonicalOnly1765600000000 implements MigrationInterface {
  name = 'AuditEventCanonicalOnly1765600000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE audit.event DROP COLUMN event`);
    await db.query(`
      CREATE OR REPLACE FUNCTION audit.continue_chain() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
      DECLARE
        r record;
        stream text;
        head_seq bigint;
        head_hash text;
      BEGIN
        FOR r IN SELECT stream_id, seq, prev_hash, hash FROM new_rows ORDER BY stream_id, seq LOOP
          IF stream IS DISTINCT FROM r.stream_id THEN
            IF stream IS NOT NULL THEN
              UPDATE audit.stream_head SET seq = head_seq, hash = head_hash WHERE stream_id = stream;
            END IF;
            stream := r.stream_id;
            SELECT h.seq, h.hash INTO head_seq, head_hash
              FROM audit.stream_head h WHERE h.stream_id = stream FOR UPDATE;
          END IF;
          IF head_seq IS NULL OR r.seq <> head_seq + 1 OR r.prev_hash <> head_hash THEN
            RAISE EXCEPTION 'audit records must continue their stream''s chain (seq % after head %)',
              r.seq, COALESCE(head_seq, 0) USING ERRCODE = 'unique_violation';
          END IF;
          head_seq := r.seq;
          head_hash := r.hash;
        END LOOP;
        IF stream IS NOT NULL THEN
          UPDATE audit.stream_head SET seq = head_seq, hash = head_hash WHERE stream_id = stream;
        END IF;
        RETURN NULL;
      END $$`);
  }

  async down(): Promise<void> {
    throw new Error('not reversible: the set-based chain guard and the jsonb copy are gone for good');
  }
}
