import { AuditEventEntity, AuditStreamEntity, AuditTrail } from '@praesidium/audit';
import { DATABASES, openPostgres } from '../support/databases.js';

const ENTITIES = [AuditEventEntity, AuditStreamEntity];

function trailOn(db: Awaited<ReturnType<typeof openPostgres>>, source: string): AuditTrail {
  return new AuditTrail(
    db.dataSource.getRepository(AuditEventEntity),
    db.dataSource.getRepository(AuditStreamEntity),
    source,
  );
}

describe.each(DATABASES)('audit trail on %s', (_, open) => {
  it('commits 300 concurrent appends as one gap-free chain that verifies', async () => {
    const db = await open(ENTITIES);
    try {
      const trail = trailOn(db, 'gateway');
      const records = await Promise.all(
        Array.from({ length: 300 }, (_, index) =>
          trail.append({ action: 'inference.request', outcome: 'success', correlationId: `c-${index}` }),
        ),
      );
      const streamId = records[0].streamId;
      expect(new Set(records.map((record) => record.seq)).size).toBe(300);
      expect(Math.max(...records.map((record) => record.seq))).toBe(300);
      const verification = await trail.verifyStream(streamId);
      expect(verification).toMatchObject({ valid: true, checked: 300, lastSeq: 300 });
    } finally {
      await db.close();
    }
  });

  it('keeps two writers apart: each has its own stream and both verify', async () => {
    const db = await open(ENTITIES);
    try {
      const gateway = trailOn(db, 'gateway');
      const governance = trailOn(db, 'governance');
      const [a, b] = await Promise.all([
        Promise.all(Array.from({ length: 50 }, () => gateway.append({ action: 'a', outcome: 'success' }))),
        Promise.all(Array.from({ length: 50 }, () => governance.append({ action: 'b', outcome: 'success' }))),
      ]);
      expect(a[0].streamId).not.toBe(b[0].streamId);
      expect((await gateway.verifyStream(a[0].streamId)).valid).toBe(true);
      expect((await gateway.verifyStream(b[0].streamId)).valid).toBe(true);
    } finally {
      await db.close();
    }
  });
});

describe('audit search (PostgreSQL)', () => {
  it('pages through matching records newest first without losing or repeating one', async () => {
    const db = await openPostgres(ENTITIES);
    try {
      const trail = trailOn(db, 'governance');
      const action = `search-test-${Date.now()}-${Math.random().toString(36).slice(2)}`;
      for (let index = 0; index < 25; index += 1) {
        await trail.append({
          action,
          outcome: 'success',
          agent: { subject: 'sam.okafor', roles: index % 2 === 0 ? ['security-officer'] : ['administrator'] },
          purposeOfUse: index % 5 === 0 ? 'HRESCH' : 'TREAT',
        });
      }
      const seen: number[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await trail.search({ action, limit: 10, cursor });
        seen.push(...page.records.map((record) => record.seq));
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual([...seen].sort((a, b) => b - a));
      expect(new Set(seen).size).toBe(25);
      expect((await trail.search({ action, role: 'administrator' })).records).toHaveLength(12);
      expect((await trail.search({ action, purposeOfUse: 'HRESCH' })).records).toHaveLength(5);
      await expect(trail.search({ action, cursor: 'not-a-cursor' })).rejects.toMatchObject({
        code: 'request.invalid',
      });
    } finally {
      await db.close();
    }
  });
});

describe('audit trail tampering (PostgreSQL)', () => {
  it('is detected at the record that was changed, even by someone who bypassed the triggers', async () => {
    const db = await openPostgres(ENTITIES);
    try {
      const trail = trailOn(db, 'gateway');
      const records = await Promise.all(
        Array.from({ length: 10 }, () => trail.append({ action: 'inference.request', outcome: 'refused' })),
      );
      const streamId = records[0].streamId;
      // A database superuser can switch the triggers off; the hash chain still gives them away.
      await db.dataSource.transaction(async (manager) => {
        await manager.query(`ALTER TABLE audit.event DISABLE TRIGGER tr_audit_event_no_update_delete`);
        await manager.query(
          `UPDATE audit.event SET event_jcs = replace(event_jcs, '"outcome":"refused"', '"outcome":"success"')
            WHERE stream_id = $1 AND seq = 5`,
          [streamId],
        );
        await manager.query(`ALTER TABLE audit.event ENABLE TRIGGER tr_audit_event_no_update_delete`);
      });
      const verification = await trail.verifyStream(streamId);
      expect(verification.valid).toBe(false);
      expect(verification.firstBreak).toEqual({ seq: 5, problem: 'hash' });
    } finally {
      await db.close();
    }
  });

  it('keeps one copy of each event, the hashed bytes, and heads moving only by appending', async () => {
    const db = await openPostgres(ENTITIES);
    try {
      const trail = trailOn(db, 'gateway');
      const { streamId } = await trail.append({ action: 'inference.request', outcome: 'refused' });
      const columns: { column_name: string }[] = await db.dataSource.query(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = 'audit' AND table_name = 'event'`,
      );
      expect(columns.map((column) => column.column_name)).not.toContain('event');
      const [found] = (await trail.search({ outcome: 'refused' })).records;
      expect(found).toMatchObject({
        streamId,
        seq: 1,
        event: { action: 'inference.request', outcome: 'refused' },
      });
      await expect(
        db.dataSource.query(`UPDATE audit.stream_head SET seq = 0 WHERE stream_id = $1`, [streamId]),
      ).rejects.toThrow(/move only by appending/);
      await expect(
        db.dataSource.query(`UPDATE audit.stream_head SET seq = 5 WHERE stream_id = $1`, [streamId]),
      ).rejects.toThrow(/move only by appending/);
      expect(await trail.append({ action: 'inference.request', outcome: 'success' })).toMatchObject({
        seq: 2,
      });
      expect(await trail.verifyStream(streamId)).toMatchObject({ valid: true, checked: 2 });
    } finally {
      await db.close();
    }
  });

  it('refuses the append with audit.unavailable when the database is gone', async () => {
    const db = await openPostgres(ENTITIES);
    const trail = trailOn(db, 'gateway');
    await trail.append({ action: 'first', outcome: 'success' });
    await db.close();
    await expect(trail.append({ action: 'second', outcome: 'success' })).rejects.toMatchObject({
      code: 'audit.unavailable',
    });
  });
});
