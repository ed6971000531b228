import { DEFAULT_POLICY, SEEDED_POLICY_VERSION, PolicyStore } from '@praesidium/access';
import { contentHash } from '@praesidium/digest';
import { openIsolatedPostgres, type TestDatabase } from '../support/databases.js';

async function until(check: () => boolean): Promise<void> {
  for (let attempt = 0; attempt < 100 && !check(); attempt += 1)
    await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('the access policy store on PostgreSQL', () => {
  let db: TestDatabase;
  let store: PolicyStore;

  beforeAll(async () => {
    db = await openIsolatedPostgres();
    store = new PolicyStore(db.dataSource);
    await store.onModuleInit();
  });
  afterAll(async () => {
    await store?.onModuleDestroy();
    await db?.close();
  });

  it('seeds version 1 as the former code policy, then the registry and bias-report rules as later versions, active', async () => {
    expect(store.active().version).toBe(SEEDED_POLICY_VERSION);
    expect(store.active().document).toEqual(DEFAULT_POLICY);
    const [row]: { sha256: string }[] = await db.dataSource.query(
      'SELECT sha256 FROM access.policy_version WHERE version = $1',
      [SEEDED_POLICY_VERSION],
    );
    expect(row.sha256).toBe(contentHash(DEFAULT_POLICY));
  });

  it('keeps policy versions, activations and break-glass rows append-only in the database', async () => {
    await expect(db.dataSource.query(`UPDATE access.policy_version SET reason = 'x'`)).rejects.toThrow(
      /append-only/,
    );
    await expect(db.dataSource.query(`DELETE FROM access.policy_activation`)).rejects.toThrow(/append-only/);
    await expect(db.dataSource.query(`TRUNCATE access.break_glass_event`)).rejects.toThrow(/append-only/);
  });

  it('reloads on NOTIFY when another process activates a version, and keeps the policy in force when a row does not parse', async () => {
    // Written with SQL, as another process would: no in-process event reaches this store.
    const document = { ...DEFAULT_POLICY, description: 'activated elsewhere' };
    const next = SEEDED_POLICY_VERSION + 1;
    await db.dataSource.query(
      `INSERT INTO access.policy_version (version, document, sha256, author, reason) VALUES ($1, $2, $3, 'a', 'b')`,
      [next, JSON.stringify(document), contentHash(document)],
    );
    await db.dataSource.query(
      `INSERT INTO access.policy_activation (version, approved_by) VALUES ($1, 'c')`,
      [next],
    );
    await until(() => store.activeVersion() === next);
    expect(store.active()).toEqual({ version: next, document });

    const broken = {
      format: 'praesidium.policy/v1',
      roles: { clinician: [{ action: 'fly', subject: 'Model' }] },
    };
    await db.dataSource.query(
      `INSERT INTO access.policy_version (version, document, sha256, author, reason) VALUES ($1, $2, 'x', 'a', 'b')`,
      [next + 1, JSON.stringify(broken)],
    );
    await db.dataSource.query(
      `INSERT INTO access.policy_activation (version, approved_by) VALUES ($1, 'c')`,
      [next + 1],
    );
    await store.refresh(next + 1);
    expect(store.activeVersion()).toBe(next);
  });

  it('refuses (policy.unavailable) rather than enforce a version it heard was superseded but could not read, and loads the new one once it can', async () => {
    const [{ max }]: { max: number }[] = await db.dataSource.query(
      'SELECT MAX(version)::int AS max FROM access.policy_version',
    );
    const before = store.activeVersion();
    const next = max + 1;
    const document = { ...DEFAULT_POLICY, description: 'activated while the reload fails' };
    // The activation's notice arrives while its version cannot be read (a database hiccup: here the
    // table is briefly renamed in the same transaction, so the reload triggered by NOTIFY fails).
    await db.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO access.policy_version (version, document, sha256, author, reason) VALUES ($1, $2, $3, 'a', 'b')`,
        [next, JSON.stringify(document), contentHash(document)],
      );
      await manager.query(`INSERT INTO access.policy_activation (version, approved_by) VALUES ($1, 'c')`, [
        next,
      ]);
      await manager.query('ALTER TABLE access.policy_version RENAME TO policy_version_away');
    });
    const refuses = () => {
      try {
        store.active();
        return false;
      } catch (error) {
        return (error as { code?: string }).code === 'policy.unavailable';
      }
    };
    try {
      await until(refuses);
      expect(store.activeVersion()).toBe(before);
      expect(refuses()).toBe(true);
    } finally {
      await db.dataSource.query('ALTER TABLE access.policy_version_away RENAME TO policy_version');
    }
    await until(() => store.activeVersion() === next && !refuses());
    expect(store.active()).toEqual({ version: next, document });
  });

  it('enforces a lower-numbered version approved after a higher one: the latest activation is in force', async () => {
    // Two proposals pending; the later one (a new rule) is approved first, then the earlier one (say,
    // the incident response that takes the rule away again). The database says the earlier is active.
    const [{ max }]: { max: number }[] = await db.dataSource.query(
      'SELECT MAX(version)::int AS max FROM access.policy_version',
    );
    const earlier = max + 1;
    const later = max + 2;
    const documents = {
      [earlier]: { ...DEFAULT_POLICY, description: 'proposed first, approved last' },
      [later]: { ...DEFAULT_POLICY, description: 'proposed last, approved first' },
    };
    for (const version of [earlier, later])
      await db.dataSource.query(
        `INSERT INTO access.policy_version (version, document, sha256, author, reason) VALUES ($1, $2, $3, 'a', 'b')`,
        [version, JSON.stringify(documents[version]), contentHash(documents[version])],
      );
    const activate = (version: number) =>
      db.dataSource.query(`INSERT INTO access.policy_activation (version, approved_by) VALUES ($1, 'c')`, [
        version,
      ]);
    await activate(later);
    await until(() => store.activeVersion() === later);
    expect(store.activeVersion()).toBe(later);

    await activate(earlier);
    await until(() => store.activeVersion() === earlier);
    expect(store.active()).toEqual({ version: earlier, document: documents[earlier] });
    // And a late notice of the earlier activation does not bring back the later one.
    await store.refresh(later);
    expect(store.activeVersion()).toBe(earlier);
  });
});
