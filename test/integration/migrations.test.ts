import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { PolicyActivationEntity, PolicyVersionEntity, PolicyVersions } from '@praesidium/access';
import { AuditEventEntity, AuditStreamEntity, AuditTrail, type AuditAgent } from '@praesidium/audit';
import { MIGRATIONS, dataSourceOptions, runMigrations, type PostgresConnection } from '@praesidium/database';
import { ConsoleSignOuts } from '../../apps/governance/src/console/console-sign-outs.js';
import { DATABASES, onEmptyDatabase } from '../support/databases.js';

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
        'registry.feedback_floor_revision',
        'registry.feedback_period_record',
        'registry.feedback_period_setting',
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

  it('keep a console sign-out until it expires: no update, no delete before then, no truncate', async () => {
    const db = await open();
    try {
      const signOuts = new ConsoleSignOuts(db.dataSource);
      const [live, past] = [randomUUID(), randomUUID()];
      await signOuts.signOut(live, Math.floor(Date.now() / 1000) + 3600);
      // A token that expired more than the largest clock skew ago: its sign-out is no longer needed.
      await signOuts.signOut(past, Math.floor(Date.now() / 1000) - 301);
      await signOuts.signOut(live, Math.floor(Date.now() / 1000) - 301);
      await expect(
        db.dataSource.query(`DELETE FROM access.console_sign_out WHERE session_id = $1`, [live]),
      ).rejects.toThrow(/kept until it expires/);
      await expect(
        db.dataSource.query(`UPDATE access.console_sign_out SET expires_at = now() WHERE session_id = $1`, [
          live,
        ]),
      ).rejects.toThrow(/kept until it expires/);
      await expect(db.dataSource.query(`TRUNCATE access.console_sign_out`)).rejects.toThrow(/append-only/);
      expect(await signOuts.removeExpired()).toBeGreaterThanOrEqual(1);
      expect([await signOuts.isSignedOut(live), await signOuts.isSignedOut(past)]).toEqual([true, false]);
    } finally {
      await db.close();
    }
  });
});

const HOSPITAL = 'https://idp.hospital.example/realms/clinical';
const PARTNER = 'https://partner-idp.example/realms/clinical';

/** Migrates a database up to (not including) `before`, or all the way. */
async function migratedUpTo(connection: PostgresConnection, before?: string): Promise<DataSource> {
  const end = before ? MIGRATIONS.findIndex((migration) => migration.name === before) : MIGRATIONS.length;
  if (end < 0) throw new Error(`no migration ${before}`);
  const dataSource = new DataSource({
    ...dataSourceOptions(
      connection,
      [AuditEventEntity, AuditStreamEntity, PolicyVersionEntity, PolicyActivationEntity],
      2,
    ),
    migrations: MIGRATIONS.slice(0, end),
  });
  await dataSource.initialize();
  await runMigrations(dataSource);
  return dataSource;
}

/**
 * Signing PINs as they stood when they were keyed by subject alone, with what the audit trail
 * recorded of them; then the migration that keys them by issuer and subject.
 */
async function bindsPinsToTheIssuerTheTrailShows(connection: PostgresConnection): Promise<void> {
  const before = await migratedUpTo(connection, 'SigningCredentialIssuer1766000000000');
  try {
    const trail = new AuditTrail(
      before.getRepository(AuditEventEntity),
      before.getRepository(AuditStreamEntity),
      'governance',
    );
    const record = (action: string, agent: AuditAgent, outcome: 'success' | 'refused' = 'success') =>
      trail.append({ action, outcome, agent: { roles: ['ethics-board'], ...agent } });
    for (const subject of ['pin.one', 'pin.two-issuers', 'pin.no-issuer', 'pin.no-record', 'pin.refused'])
      await before.query(
        `INSERT INTO registry.signing_credential (subject, scrypt, failed_attempts, updated_at)
         VALUES ($1, 'scrypt$32768$8$1$c2FsdA$a2V5', 0, now())`,
        [subject],
      );
    await record('signing_pin.set', { subject: 'pin.one', issuer: HOSPITAL });
    await record('model_version.signed', { subject: 'pin.one', issuer: HOSPITAL });
    await record('bias_report.signed', { subject: 'pin.one', issuer: HOSPITAL });
    // A namesake at the partner IdP used this subject's PIN: whose it is, the record cannot say.
    await record('signing_pin.set', { subject: 'pin.two-issuers', issuer: HOSPITAL });
    await record('bias_report.signed', { subject: 'pin.two-issuers', issuer: PARTNER });
    await record('signing_pin.set', { subject: 'pin.no-issuer' });
    await record('model_version.signed', { subject: 'pin.no-issuer', issuer: HOSPITAL });
    // A refused attempt proves nothing: the partner's namesake was turned away.
    await record('signing_pin.set', { subject: 'pin.refused', issuer: HOSPITAL });
    await record('signing_pin.set', { subject: 'pin.refused', issuer: PARTNER }, 'refused');
    await record('model_version.signed', { subject: 'pin.refused', issuer: PARTNER }, 'refused');
  } finally {
    await before.destroy();
  }

  const after = await migratedUpTo(connection);
  try {
    const rows: { subject: string; issuer: string }[] = await after.query(
      `SELECT subject, issuer FROM registry.signing_credential ORDER BY subject`,
    );
    expect(rows).toEqual([
      { subject: 'pin.no-issuer', issuer: '' },
      { subject: 'pin.no-record', issuer: '' },
      { subject: 'pin.one', issuer: HOSPITAL },
      { subject: 'pin.refused', issuer: HOSPITAL },
      { subject: 'pin.two-issuers', issuer: '' },
    ]);
    // Keyed by issuer and subject: a namesake's PIN is a row of its own.
    await after.query(
      `INSERT INTO registry.signing_credential (issuer, subject, scrypt, failed_attempts, updated_at)
       VALUES ($1, 'pin.one', 'scrypt$32768$8$1$c2FsdA$a2V5', 0, now())`,
      [PARTNER],
    );
    await expect(
      after.query(
        `INSERT INTO registry.signing_credential (issuer, subject, scrypt, failed_attempts, updated_at)
         VALUES ($1, 'pin.one', 'x', 0, now())`,
        [HOSPITAL],
      ),
    ).rejects.toThrow(/pk_registry_signing_credential/);
  } finally {
    await after.destroy();
  }
}

describe('the migration that keys signing PINs by issuer and subject', () => {
  it('binds each PIN on PostgreSQL to the one issuer its audited uses show, else to no issuer', () =>
    onEmptyDatabase('postgres', bindsPinsToTheIssuerTheTrailShows));

  it('does the same on the embedded PGlite', () =>
    onEmptyDatabase('pglite', bindsPinsToTheIssuerTheTrailShows));
});

/** Proposes the policy in force again, as a security officer's pending proposal; its version. */
async function proposeAsItStood(dataSource: DataSource, author: string): Promise<number> {
  const [row]: { version: number }[] = await dataSource.query(
    `INSERT INTO access.policy_version (version, document, sha256, author, reason, created_at)
     SELECT (SELECT max(version) + 1 FROM access.policy_version), v.document, v.sha256, $1,
            'a change proposed before the upgrade', clock_timestamp()
       FROM access.policy_activation a JOIN access.policy_version v ON v.version = a.version
      ORDER BY a.activated_at DESC, a.version DESC LIMIT 1
     RETURNING version`,
    [author],
  );
  return row.version;
}

/**
 * Proposals pending across an upgrade whose migrations activate a version of their own (the
 * suspension rules): approving one proposed before that activation would undo it unseen.
 */
async function keepsProposalsOvertakenByAMigrationStale(connection: PostgresConnection): Promise<void> {
  const beforeSuspensions = await migratedUpTo(connection, 'PrincipalSuspensions1766400000000');
  const overtaken = await proposeAsItStood(beforeSuspensions, 'officer.before');
  await beforeSuspensions.destroy();
  const beforeBase = await migratedUpTo(connection, 'PolicyProposalBase1766800000000');
  const current = await proposeAsItStood(beforeBase, 'officer.after');
  await beforeBase.destroy();

  const after = await migratedUpTo(connection);
  try {
    const versions = new PolicyVersions(after);
    await expect(versions.approvePolicy(overtaken, 'officer.approver')).rejects.toMatchObject({
      code: 'policy.stale',
    });
    expect(await versions.approvePolicy(current, 'officer.approver')).toMatchObject({ version: current });
  } finally {
    await after.destroy();
  }
}

describe('the migration that records what each pending policy proposal was based on', () => {
  it('leaves a proposal made before a migration activated a version stale, on PostgreSQL', () =>
    onEmptyDatabase('postgres', keepsProposalsOvertakenByAMigrationStale));
});
