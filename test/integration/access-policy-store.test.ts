import { DEFAULT_POLICY, PolicyStore } from '@praesidium/access';
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

  it('seeds version 1 as the former code policy, then version 2 with the model registry rules, active', async () => {
    expect(store.active().version).toBe(2);
    expect(store.active().document).toEqual(DEFAULT_POLICY);
    const [row]: { sha256: string }[] = await db.dataSource.query(
      'SELECT sha256 FROM access.policy_version WHERE version = 2',
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
    await db.dataSource.query(
      `INSERT INTO access.policy_version (version, document, sha256, author, reason) VALUES (3, $1, $2, 'a', 'b')`,
      [JSON.stringify(document), contentHash(document)],
    );
    await db.dataSource.query(`INSERT INTO access.policy_activation (version, approved_by) VALUES (3, 'c')`);
    await until(() => store.activeVersion() === 3);
    expect(store.active()).toEqual({ version: 3, document });

    const broken = {
      format: 'praesidium.policy/v1',
      roles: { clinician: [{ action: 'fly', subject: 'Model' }] },
    };
    await db.dataSource.query(
      `INSERT INTO access.policy_version (version, document, sha256, author, reason) VALUES (4, $1, 'x', 'a', 'b')`,
      [JSON.stringify(broken)],
    );
    await db.dataSource.query(`INSERT INTO access.policy_activation (version, approved_by) VALUES (4, 'c')`);
    await store.refresh(4);
    expect(store.activeVersion()).toBe(3);
  });
});
