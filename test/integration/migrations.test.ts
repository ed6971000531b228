import { DATABASES } from '../support/databases.js';

describe.each(DATABASES)('migrations on %s', (_, open) => {
  it('create the registry, consent and audit schemas, and running them again changes nothing', async () => {
    // From an empty database, as on a first start: the other tests may use the run's migrated copy.
    const db = await open([], { fresh: true });
    try {
      const tables: { name: string }[] = await db.dataSource.query(
        `SELECT table_schema || '.' || table_name AS name FROM information_schema.tables
          WHERE table_schema IN ('platform', 'registry', 'consent', 'audit')
            AND table_name !~ '^event_[0-9]{4}_[0-9]{2}$' ORDER BY 1`,
      );
      expect(tables.map((row) => row.name)).toEqual([
        'audit.checkpoint',
        'audit.dropped_record',
        'audit.event',
        'audit.merkle_leaf',
        'audit.retention',
        'audit.retention_anchor',
        'audit.stream',
        'audit.stream_head',
        'consent.consent_version',
        'consent.source_document',
        'platform.setting',
        'registry.canary_change',
        'registry.change_control_plan',
        'registry.dataset',
        'registry.drift_check',
        'registry.evidence',
        'registry.model',
        'registry.model_canary',
        'registry.model_version',
        'registry.performance_observation',
        'registry.signature',
        'registry.signing_credential',
        'registry.version_transition',
      ]);
      expect(await db.dataSource.runMigrations()).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('make the audit tables append-only in the database itself', async () => {
    const db = await open();
    try {
      const stream = `test-${Date.now()}-${Math.random().toString(36).slice(2)}`;
      await db.dataSource.query(`INSERT INTO audit.stream (id, source) VALUES ($1, 'test')`, [stream]);
      await expect(
        db.dataSource.query(`UPDATE audit.stream SET source = 'x' WHERE id = $1`, [stream]),
      ).rejects.toThrow(/append-only/);
      await expect(db.dataSource.query(`DELETE FROM audit.stream WHERE id = $1`, [stream])).rejects.toThrow(
        /append-only/,
      );
      await expect(db.dataSource.query(`TRUNCATE audit.event CASCADE`)).rejects.toThrow(/append-only/);
      const rows = await db.dataSource.query(`SELECT source FROM audit.stream WHERE id = $1`, [stream]);
      expect(rows).toEqual([{ source: 'test' }]);
    } finally {
      await db.close();
    }
  });

  it('index clinician feedback by model and time in every month of the audit trail', async () => {
    const db = await open();
    try {
      const parent: { valid: boolean }[] = await db.dataSource.query(
        `SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = 'audit.ix_audit_event_feedback'::regclass`,
      );
      expect(parent).toEqual([{ valid: true }]);
      const unindexed: unknown[] = await db.dataSource.query(
        `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = 'audit.event'::regclass
            AND NOT EXISTS (SELECT 1 FROM pg_inherits x JOIN pg_index ix ON ix.indexrelid = x.inhrelid
                             WHERE x.inhparent = 'audit.ix_audit_event_feedback'::regclass
                               AND ix.indrelid = i.inhrelid)`,
      );
      expect(unindexed).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('partition the audit trail by month, with this month and the next ready, each one append-only', async () => {
    const db = await open();
    try {
      const now = new Date();
      const month = (offset: number) => {
        const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1));
        return `event_${start.getUTCFullYear()}_${String(start.getUTCMonth() + 1).padStart(2, '0')}`;
      };
      const partitions: { name: string }[] = await db.dataSource.query(
        `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = 'audit.event'::regclass`,
      );
      expect(partitions.map((row) => row.name)).toEqual(expect.arrayContaining([month(0), month(1)]));
      await expect(db.dataSource.query(`TRUNCATE audit.${month(0)}`)).rejects.toThrow(/append-only/);
    } finally {
      await db.close();
    }
  });
});
