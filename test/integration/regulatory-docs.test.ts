import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
import { KeyStore, signJwt } from '@praesidium/keys';
import {
  BUNDLE_JWS_TYPE,
  buildFdaAidsf,
  CHROMIUM,
  completenessReport,
  loadSnapshot,
  renderHtml,
} from '@praesidium/regulatory-docs';
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

  it('`docs generate` writes the signed bundle offline, and `docs verify` finds an edited byte', async () => {
    const out = path.join(dataDir, 'out');
    const connection = database.connection;
    if (connection.kind !== 'server') throw new Error('expected a server database');
    const env = { NODE_ENV: 'test', DATABASE_URL: connection.url, PRAESIDIUM_DATA_DIR: dataDir };
    const run = await praesidium(
      ['docs', 'generate', '--model', DEMO_MODEL.name, '--version', DEMO_MODEL.version, '--out', out],
      env,
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
    // Nor monitoring records: the MDR post-market plan has no PSUR data.
    expect(summary).toContainEqual(
      expect.objectContaining({ kind: 'eu-mdr-annex-iii', label: 'Performance by period' }),
    );
    const stem = `${DEMO_MODEL.name}-${DEMO_MODEL.version}`;
    const sums = (await readFile(path.join(out, 'SHA256SUMS'), 'utf8')).trim().split('\n');
    const names = sums.map((line) => line.split('  ')[1]);
    for (const kind of [
      'fda-aidsf',
      'fda-pccp',
      'fda-cybersecurity',
      'eu-mdr-annex-ii',
      'eu-mdr-annex-iii',
      'eu-ai-act-annex-iv',
      'model-card',
      'gmlp',
    ])
      expect(names).toEqual(
        expect.arrayContaining([
          `${stem}-${kind}.html`,
          `${stem}-${kind}.md`,
          `${stem}-${kind}.docx`,
          `${stem}-${kind}.completeness.json`,
        ]),
      );
    expect(names).toEqual(
      expect.arrayContaining([
        `${stem}-model-card.json`,
        'praesidium-sbom.cdx.json',
        'signing-keys.jwks.json',
      ]),
    );
    for (const line of sums) {
      const [sha256, name] = line.split('  ');
      const content = await readFile(path.join(out, name ?? ''));
      expect(createHash('sha256').update(content).digest('hex')).toBe(sha256);
    }
    const sbom = JSON.parse(await readFile(path.join(out, 'praesidium-sbom.cdx.json'), 'utf8')) as {
      components: { purl: string }[];
    };
    expect(sbom.components.map((component) => component.purl)).toContain('pkg:npm/handlebars@4.7.10');

    const verified = await praesidium(['docs', 'verify', out], env);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ valid: true, model: DEMO_MODEL.name, problems: [] });
    // An outside reviewer checks it with the public keys alone.
    const withKeys = await praesidium(
      ['docs', 'verify', out, '--jwks', path.join(out, 'signing-keys.jwks.json')],
      {
        NODE_ENV: 'test',
        DATABASE_URL: connection.url,
        PRAESIDIUM_DATA_DIR: path.join(dataDir, 'elsewhere'),
      },
    );
    expect(withKeys.code).toBe(0);

    // The same manifest, signed with the same key, but not typed as a submission manifest.
    const manifestJws = path.join(out, 'manifest.jws');
    const genuineJws = await readFile(manifestJws, 'utf8');
    const keyStore = await KeyStore.openOrCreate(dataDir);
    const manifest = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    await writeFile(manifestJws, await signJwt(keyStore.current('regulatory-bundle'), manifest, 'JWT'));
    const retyped = await praesidium(['docs', 'verify', out], env);
    expect(retyped.code).toBe(1);
    expect(JSON.parse(retyped.stdout)).toMatchObject({
      valid: false,
      problems: [`manifest.jws: not a submission manifest: JWS typ JWT, expected ${BUNDLE_JWS_TYPE}`],
    });
    await writeFile(manifestJws, genuineJws);

    const target = path.join(out, `${stem}-eu-mdr-annex-ii.html`);
    const html = await readFile(target, 'utf8');
    await writeFile(target, html.replace('Rule 11', 'Rule 12'));
    const tampered = await praesidium(['docs', 'verify', out], env);
    expect(tampered.code).toBe(1);
    expect(JSON.parse(tampered.stdout)).toMatchObject({
      valid: false,
      problems: [`${stem}-eu-mdr-annex-ii.html: edited (SHA-256 differs from the manifest)`],
    });
  });

  it('`docs generate --pdf` says clearly when Chromium is missing, or writes a PDF per document', async () => {
    const out = path.join(dataDir, 'pdf');
    const connection = database.connection;
    if (connection.kind !== 'server') throw new Error('expected a server database');
    const run = await praesidium(
      [
        'docs',
        'generate',
        '--model',
        DEMO_MODEL.name,
        '--version',
        DEMO_MODEL.version,
        '--kind',
        'model-card',
        '--pdf',
        '--out',
        out,
      ],
      { NODE_ENV: 'test', DATABASE_URL: connection.url, PRAESIDIUM_DATA_DIR: dataDir },
    );
    if (existsSync(CHROMIUM)) {
      expect(run.code).toBe(0);
      const pdf = await readFile(path.join(out, `${DEMO_MODEL.name}-${DEMO_MODEL.version}-model-card.pdf`));
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    } else {
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`PDF needs Chromium at ${CHROMIUM}`);
    }
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
