import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { DEMO_MODEL } from '@praesidium/demo';
import {
  ModelEntity,
  ModelRegistry,
  ModelVersionEntity,
  REGISTRY_ENTITIES,
} from '@praesidium/model-registry';
import { buildFdaAidsf, completenessReport, loadSnapshot, renderHtml } from '@praesidium/regulatory-docs';
import { praesidium } from '../support/cli.js';
import { openIsolatedPostgres, type TestDatabase } from '../support/databases.js';

/** What the seeded demo model does not have on record (it has a profile and a manifest-less v1.0.0). */
const DEMO_GAPS = [
  ['VIII. Data Management', 'training dataset'],
  ['VIII. Data Management', 'test dataset'],
  ['VII. Risk Assessment', 'Risk item'],
  ['X. Validation', 'Performance results'],
  ['XI. Device Performance Monitoring', 'Monitoring record'],
  ['XII. Cybersecurity', 'AI threat model'],
  ['IX. Model Description and Development', 'Architecture'],
];

describe('regulatory documents of the seeded demo model', () => {
  let database: TestDatabase;
  let dataDir: string;

  beforeAll(async () => {
    database = await openIsolatedPostgres([ModelEntity, ModelVersionEntity, ...REGISTRY_ENTITIES]);
    dataDir = await mkdtemp(path.join(tmpdir(), 'praesidium-docs-'));
    // Seeded as the governance app's demo seeder does it, through the registry's own service.
    const registry = new ModelRegistry(
      database.dataSource.getRepository(ModelEntity),
      database.dataSource.getRepository(ModelVersionEntity),
    );
    const { version, inputSchema, outputSchema, ...model } = DEMO_MODEL;
    const registered = await registry.registerModel({
      ...model,
      departments: [...model.departments],
      profile: { ...model.profile, intendedUsers: [...model.profile.intendedUsers] },
    });
    const created = await registry.registerVersion(registered, {
      version,
      backendUrl: 'http://127.0.0.1:1/demo',
      inputSchema,
      outputSchema,
    });
    await registry.deployVersion(created);
  });
  afterAll(async () => {
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('renders every FDA AI-DSF section from the registry and names what the demo lacks', async () => {
    const snapshot = await loadSnapshot(database.dataSource.manager, DEMO_MODEL.name, DEMO_MODEL.version);
    expect(snapshot.model.profile).toEqual(DEMO_MODEL.profile);
    const document = buildFdaAidsf(snapshot);
    const html = renderHtml(document, '2026-11-29T00:00:00.000Z');
    expect(html.match(/<h2>/g)).toHaveLength(document.sections.length + 1);
    expect(html).toContain(`registry.model ${snapshot.model.id} · profile.indications`);
    const gaps = completenessReport(document).map((gap) => [gap.section, gap.label]);
    expect(gaps).toEqual(expect.arrayContaining(DEMO_GAPS));
    expect(gaps).not.toContainEqual(['V. Device Description', 'Intended use']);
    for (const [, label] of DEMO_GAPS) expect(html).toContain(`MISSING: ${label}`);
  });

  it('`docs generate` writes the documents, the SBOM and their SHA-256 sums offline', async () => {
    const out = path.join(dataDir, 'out');
    const connection = database.connection;
    if (connection.kind !== 'server') throw new Error('expected a server database');
    const run = await praesidium(
      ['docs', 'generate', '--model', DEMO_MODEL.name, '--version', DEMO_MODEL.version, '--out', out],
      { NODE_ENV: 'test', DATABASE_URL: connection.url, PRAESIDIUM_DATA_DIR: dataDir },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const summary = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(summary).toContainEqual(expect.objectContaining({ kind: 'fda-aidsf', label: 'test dataset' }));
    // The demo model has no change control plan: every PCCP section says so.
    expect(summary).toContainEqual(
      expect.objectContaining({
        kind: 'fda-pccp',
        section: 'Modification Protocol',
        label: 'Modification Protocol',
      }),
    );
    const sums = (await readFile(path.join(out, 'SHA256SUMS'), 'utf8')).trim().split('\n');
    expect(sums.map((line) => line.split('  ')[1])).toEqual([
      `${DEMO_MODEL.name}-${DEMO_MODEL.version}-fda-aidsf.html`,
      `${DEMO_MODEL.name}-${DEMO_MODEL.version}-fda-aidsf.md`,
      `${DEMO_MODEL.name}-${DEMO_MODEL.version}-fda-aidsf.completeness.json`,
      `${DEMO_MODEL.name}-${DEMO_MODEL.version}-fda-pccp.html`,
      `${DEMO_MODEL.name}-${DEMO_MODEL.version}-fda-pccp.md`,
      `${DEMO_MODEL.name}-${DEMO_MODEL.version}-fda-pccp.completeness.json`,
      'praesidium-sbom.cdx.json',
    ]);
    for (const line of sums) {
      const [sha256, name] = line.split('  ');
      const content = await readFile(path.join(out, name ?? ''));
      expect(createHash('sha256').update(content).digest('hex')).toBe(sha256);
    }
    const sbom = JSON.parse(await readFile(path.join(out, 'praesidium-sbom.cdx.json'), 'utf8')) as {
      components: { purl: string }[];
    };
    expect(sbom.components.map((component) => component.purl)).toContain('pkg:npm/handlebars@4.7.10');
  });

  it('`docs generate` refuses an unknown version', async () => {
    const connection = database.connection;
    if (connection.kind !== 'server') throw new Error('expected a server database');
    const run = await praesidium(
      [
        'docs',
        'generate',
        '--model',
        DEMO_MODEL.name,
        '--version',
        '9.9.9',
        '--out',
        path.join(dataDir, 'x'),
      ],
      { NODE_ENV: 'test', DATABASE_URL: connection.url, PRAESIDIUM_DATA_DIR: dataDir },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('version not found');
  });
});
