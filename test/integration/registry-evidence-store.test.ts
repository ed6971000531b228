import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { PraesidiumConfig } from '@praesidium/config';
import { EvidenceStore, REGISTRY_ENTITIES, type ModelVersionEntity } from '@praesidium/model-registry';
import { openIsolatedPostgres, type TestDatabase } from '../support/databases.js';

const PDF = Buffer.from('%PDF-1.7\n%%EOF\n');

describe('evidence storage on PostgreSQL', () => {
  let db: TestDatabase;
  let dataDir: string;
  let store: EvidenceStore;

  beforeAll(async () => {
    db = await openIsolatedPostgres(REGISTRY_ENTITIES);
    dataDir = await mkdtemp(path.join(tmpdir(), 'praesidium-evidence-'));
    const config = { dataDir, registry: { evidenceMaxBytes: 4096 } } as unknown as PraesidiumConfig;
    store = new EvidenceStore(db.dataSource, config);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('leaves no file behind when the evidence record cannot be stored', async () => {
    // A version that does not exist: the foreign key refuses the row after the file was written.
    const missing = { id: randomUUID() } as ModelVersionEntity;
    await expect(
      store.add(
        missing,
        {
          kind: 'test_report',
          title: 'orphan',
          file: { fileName: 'r.pdf', mediaType: 'application/pdf', bytes: PDF },
        },
        'tester',
      ),
    ).rejects.toThrow(/foreign key/);
    expect(await readdir(path.join(dataDir, 'evidence'))).toEqual([]);
  });

  it('stores a file once under its SHA-256, and keeps evidence records append-only in the database', async () => {
    const modelId = randomUUID();
    const versionId = randomUUID();
    await db.dataSource.query(
      `INSERT INTO registry.model (id, name, display_name, intended_use, limitations, departments, risk_class)
       VALUES ($1, $2, 'x', 'x', 'x', '{x}', 'x')`,
      [modelId, `evidence-${modelId.slice(0, 8)}`],
    );
    await db.dataSource.query(
      `INSERT INTO registry.model_version (id, model_id, version, status, backend_url, input_schema, output_schema, manifest_sha256)
       VALUES ($1, $2, '1.0.0', 'draft', 'http://127.0.0.1/x', '{}', '{}', 'x')`,
      [versionId, modelId],
    );
    const file = { fileName: 'report.pdf', mediaType: 'application/pdf', bytes: PDF };
    const first = await store.add(
      { id: versionId } as ModelVersionEntity,
      { kind: 'test_report', title: 'a', file },
      't',
    );
    await store.add({ id: versionId } as ModelVersionEntity, { kind: 'test_report', title: 'b', file }, 't');
    expect(await readdir(path.join(dataDir, 'evidence'))).toEqual([first.sha256]);
    await expect(db.dataSource.query(`UPDATE registry.evidence SET title = 'x'`)).rejects.toThrow(
      /append-only/,
    );
    await expect(db.dataSource.query(`DELETE FROM registry.evidence`)).rejects.toThrow(/append-only/);
    await expect(db.dataSource.query(`TRUNCATE registry.version_transition`)).rejects.toThrow(/append-only/);
  });
});
