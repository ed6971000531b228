import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { KeyStore, signJwt } from '@praesidium/keys';
import { DOCUMENT_KINDS, fileBytes, generateDocument } from './bundle.js';
import { completeSnapshot } from './complete-snapshot.fixture.js';
import { buildFdaAidsf } from './fda-aidsf.js';
import { CHROMIUM, renderPdf } from './pdf.js';
import { renderHtml } from './render.js';
import {
  BUNDLE_JWS_TYPE,
  generateSubmission,
  MANIFEST_JSON,
  MANIFEST_JWS,
  SIGNING_KEYS,
  submissionArchive,
  submissionFiles,
  SUMS,
  verifySubmission,
  writeSubmission,
} from './submission.js';
import { PACKAGE_LOCK } from './test-lock.fixture.js';

const AT = '2026-11-29T00:00:00.000Z';
const LATER = '2026-12-01T12:34:56.789Z';
/** The text with its generation time (with or without milliseconds) blanked out. */
const untimed = (text: string, at: string) =>
  text.replaceAll(at, '<time>').replaceAll(at.replace(/\.\d{3}Z$/, 'Z'), '<time>');

describe('the signed submission bundle', () => {
  let work: string;
  let keyStore: KeyStore;
  let bundleDir: string;

  const signing = async (store: KeyStore) => ({
    privateJwk: store.current('regulatory-bundle'),
    publicJwks: await store.publicJwks('regulatory-bundle'),
  });
  const generate = async (generatedAt: string) =>
    generateSubmission(
      { snapshot: completeSnapshot(), lock: PACKAGE_LOCK, generatedAt },
      await signing(keyStore),
    );

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'praesidium-bundle-'));
    keyStore = await KeyStore.openOrCreate(path.join(work, 'data'));
    bundleDir = path.join(work, 'bundle');
    await writeSubmission(bundleDir, await generate(AT));
  });
  afterAll(async () => rm(work, { recursive: true, force: true }));

  it('reports each document written, and is one ZIP archive under one folder that verifies once extracted, the same bytes for the same files', async () => {
    const progress: string[] = [];
    const bundle = await generateSubmission(
      { snapshot: completeSnapshot(), lock: PACKAGE_LOCK, generatedAt: AT },
      await signing(keyStore),
      DOCUMENT_KINDS,
      (done, total) => void progress.push(`${done}/${total}`),
    );
    expect(progress).toEqual(DOCUMENT_KINDS.map((_, index) => `${index + 1}/${DOCUMENT_KINDS.length}`));
    const files = submissionFiles(bundle);
    const archive = submissionArchive(files, 'bundle-1.1.0');
    expect(Buffer.from(submissionArchive(files, 'bundle-1.1.0')).equals(Buffer.from(archive))).toBe(true);
    const entries = unzipSync(archive);
    expect(Object.keys(entries).sort()).toEqual(files.map((file) => `bundle-1.1.0/${file.name}`).sort());
    const extracted = path.join(work, 'extracted');
    await mkdir(path.join(extracted, 'bundle-1.1.0'), { recursive: true });
    for (const [name, bytes] of Object.entries(entries)) await writeFile(path.join(extracted, name), bytes);
    const result = await verifySubmission(
      path.join(extracted, 'bundle-1.1.0'),
      await keyStore.publicJwks('regulatory-bundle'),
    );
    expect(result).toMatchObject({ valid: true, problems: [] });
    expect(() => submissionArchive(files, '../elsewhere')).toThrow();
  });

  it('holds every document of the version in every format, and verifies', async () => {
    const names = await readdir(bundleDir);
    const stem = `${completeSnapshot().model.name}-1.1.0`;
    for (const kind of DOCUMENT_KINDS.filter((k) => k !== 'sbom'))
      for (const extension of ['html', 'md', 'docx', 'completeness.json'])
        expect(names).toContain(`${stem}-${kind}.${extension}`);
    expect(names).toEqual(
      expect.arrayContaining([
        `${stem}-model-card.json`,
        'praesidium-sbom.cdx.json',
        MANIFEST_JWS,
        MANIFEST_JSON,
        SUMS,
        SIGNING_KEYS,
      ]),
    );
    const result = await verifySubmission(bundleDir, await keyStore.publicJwks('regulatory-bundle'));
    expect(result).toEqual(expect.objectContaining({ valid: true, problems: [] }));
    expect(result.files).toBe(names.length - 3);
    const header = JSON.parse(
      Buffer.from(
        (await readFile(path.join(bundleDir, MANIFEST_JWS), 'utf8')).split('.')[0] ?? '',
        'base64url',
      ).toString(),
    ) as Record<string, unknown>;
    expect(header).toEqual(
      expect.objectContaining({ alg: 'ES256', typ: 'praesidium-submission-manifest+jws' }),
    );
  });

  const EDITED = [
    ['HTML', '-fda-aidsf.html'],
    ['Markdown', '-eu-mdr-annex-ii.md'],
    ['DOCX', '-eu-ai-act-annex-iv.docx'],
    ['completeness JSON', '-gmlp.completeness.json'],
    ['model card JSON', '-model-card.json'],
    ['SBOM', 'praesidium-sbom.cdx.json'],
    ['signing keys', SIGNING_KEYS],
    ['SHA256SUMS', SUMS],
    ['manifest JSON', MANIFEST_JSON],
    ['manifest JWS', MANIFEST_JWS],
  ] as const;

  it.each(EDITED)('fails when one byte of the %s is edited', async (_, suffix) => {
    const copy = path.join(work, `edited-${suffix}`);
    await cp(bundleDir, copy, { recursive: true });
    const name = (await readdir(copy)).find((file) => file.endsWith(suffix));
    if (!name) throw new Error(`no file ending ${suffix}`);
    const bytes = await readFile(path.join(copy, name));
    // Flip one bit of a byte in the middle: still the same length, one byte different.
    const at = Math.floor(bytes.length / 2);
    bytes[at] = (bytes[at] ?? 0) ^ 0x01;
    await writeFile(path.join(copy, name), bytes);
    const result = await verifySubmission(copy, await keyStore.publicJwks('regulatory-bundle'));
    expect(result.valid).toBe(false);
    expect(result.problems.join('\n')).toContain(name);
  });

  it('fails when a file is added or removed, or when the signer is not trusted', async () => {
    const added = path.join(work, 'added');
    await cp(bundleDir, added, { recursive: true });
    await writeFile(path.join(added, 'extra.html'), '<p>not signed</p>');
    expect((await verifySubmission(added, await keyStore.publicJwks('regulatory-bundle'))).problems).toEqual([
      'extra.html: not in the signed manifest',
    ]);
    const removed = path.join(work, 'removed');
    await cp(bundleDir, removed, { recursive: true });
    await rm(path.join(removed, 'praesidium-sbom.cdx.json'));
    expect(
      (await verifySubmission(removed, await keyStore.publicJwks('regulatory-bundle'))).problems,
    ).toEqual(['praesidium-sbom.cdx.json: missing']);
    const other = await KeyStore.openOrCreate(path.join(work, 'other-platform'));
    const foreign = await verifySubmission(bundleDir, await other.publicJwks('regulatory-bundle'));
    expect(foreign.valid).toBe(false);
    expect(foreign.problems).toEqual([
      `${MANIFEST_JWS}: the signature does not verify with the trusted keys`,
    ]);
  });

  it('refuses a manifest signed with the bundle key under another JWS typ, even over the genuine manifest', async () => {
    const manifest = JSON.parse(await readFile(path.join(bundleDir, MANIFEST_JSON), 'utf8')) as Record<
      string,
      unknown
    >;
    const trusted = await keyStore.publicJwks('regulatory-bundle');
    for (const typ of ['praesidium-archive+jwt', 'JWT']) {
      const retyped = path.join(work, `retyped-${typ}`);
      await cp(bundleDir, retyped, { recursive: true });
      await writeFile(
        path.join(retyped, MANIFEST_JWS),
        await signJwt(keyStore.current('regulatory-bundle'), manifest, typ),
      );
      expect(await verifySubmission(retyped, trusted)).toEqual({
        valid: false,
        files: 0,
        problems: [`${MANIFEST_JWS}: not a submission manifest: JWS typ ${typ}, expected ${BUNDLE_JWS_TYPE}`],
      });
    }
    // RFC 7515 §4.1.9: the bundle's own type, spelled with `application/` and in capitals, is the same type.
    const spelled = path.join(work, 'retyped-spelled');
    await cp(bundleDir, spelled, { recursive: true });
    await writeFile(
      path.join(spelled, MANIFEST_JWS),
      await signJwt(
        keyStore.current('regulatory-bundle'),
        manifest,
        `application/${BUNDLE_JWS_TYPE.toUpperCase()}`,
      ),
    );
    expect(await verifySubmission(spelled, trusted)).toMatchObject({ valid: true, problems: [] });
  });

  it('regenerates the same content from the same records: only the timestamp differs', async () => {
    const first = await generate(AT);
    const again = await generate(AT);
    const later = await generate(LATER);
    for (const [index, file] of first.files.entries()) {
      expect(again.files[index]?.sha256).toBe(file.sha256);
      const other = later.files[index];
      expect(other?.name).toBe(file.name);
      if (!other) continue;
      if (file.encoding === 'base64') {
        // DOCX: the zip's entry times and the core properties carry the time; the parts do not differ.
        const a = unzipSync(fileBytes(file));
        const b = unzipSync(fileBytes(other));
        expect(Object.keys(b)).toEqual(Object.keys(a));
        for (const part of Object.keys(a))
          expect(untimed(strFromU8(b[part] ?? new Uint8Array()), LATER)).toBe(
            untimed(strFromU8(a[part] ?? new Uint8Array()), AT),
          );
      } else if (file.name === MANIFEST_JSON || file.name === SUMS) {
        // They list the other files' hashes, which differ only through the timestamps.
        expect(other.content.split('\n').length).toBe(file.content.split('\n').length);
      } else expect(untimed(other.content, LATER)).toBe(untimed(file.content, AT));
    }
    expect(first.manifest.files.map((file) => file.name)).toEqual(
      later.manifest.files.map((file) => file.name),
    );
  });
});

describe('the template sandbox', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'praesidium-templates-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));
  const document = buildFdaAidsf(completeSnapshot());

  it('gives templates no prototype access', async () => {
    await writeFile(
      path.join(dir, 'document.hbs'),
      '[{{document.constructor}}][{{document.__proto__}}][{{document.title.constructor.name}}][{{#with document}}{{constructor.constructor}}{{/with}}][{{lookup document "constructor"}}]',
    );
    expect(renderHtml({ ...document, sections: [] }, AT, dir)).toBe('[][][][][]');
  });

  it.each([
    ['log', '{{log "x"}}'],
    ['an unknown helper', '{{readFile "/etc/passwd"}}'],
    ['a helper with a path', '{{process.env.HOME "x"}}'],
  ])('refuses a template that calls %s', async (_, source) => {
    await writeFile(path.join(dir, 'document.hbs'), source);
    expect(() => renderHtml({ ...document, sections: [] }, AT, dir)).toThrow(
      /knownHelpersOnly|unknown helper|log/,
    );
  });

  it('reaches neither the environment nor the process from a block', async () => {
    await writeFile(
      path.join(dir, 'document.hbs'),
      '[{{#env}}x{{/env}}][{{process.env.HOME}}][{{global.process}}]',
    );
    expect(renderHtml({ ...document, sections: [] }, AT, dir)).toBe('[][][]');
  });
});

const pdfTest = existsSync(CHROMIUM) ? it : it.skip;
describe('PDF output', () => {
  pdfTest(
    existsSync(CHROMIUM)
      ? 'prints the HTML to PDF with Chromium'
      : `prints the HTML to PDF with Chromium (skipped: ${CHROMIUM} is absent; .ci/run installs Debian's chromium)`,
    async () => {
      const pdf = await renderPdf(renderHtml(buildFdaAidsf(completeSnapshot()), AT));
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      expect(pdf.length).toBeGreaterThan(10_000);
    },
    120_000,
  );

  pdfTest(
    'writes a PDF beside each document when asked',
    async () => {
      const generated = await generateDocument('model-card', {
        snapshot: completeSnapshot(),
        lock: PACKAGE_LOCK,
        generatedAt: AT,
        pdf: true,
      });
      const stem = `${completeSnapshot().model.name}-1.1.0-model-card.`;
      expect(generated.files.map((file) => file.name.slice(stem.length))).toEqual([
        'html',
        'md',
        'docx',
        'pdf',
        'json',
        'completeness.json',
      ]);
    },
    120_000,
  );
});
