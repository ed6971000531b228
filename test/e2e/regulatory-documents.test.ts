import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEMO_MODEL } from '@praesidium/demo';
import { call, type JsonResponse } from '../support/http.js';
import { tokenFor } from '../support/officers.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

const CLI = path.resolve('bin/praesidium.js');

/** A program run to its end: its exit code and output (no shell). */
function run(
  file: string,
  args: string[],
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        cwd,
        timeout: 60_000,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: cwd,
          PRAESIDIUM_DATA_DIR: cwd,
          PRAESIDIUM_LOG_LEVEL: 'error',
        },
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

describe('regulatory documents over HTTP', () => {
  let platform: TestPlatform;
  let governance: string;
  let ra: string;
  let owner: string;
  let officer: string;

  beforeAll(async () => {
    platform = await startTestPlatform('postgres');
    governance = platform.config.http.governanceUrl;
    ra = await tokenFor(platform, 'ra.docs', ['regulatory-affairs']);
    owner = await tokenFor(platform, 'owner.docs', ['model-owner']);
    officer = await platform.token('security-officer');
  });
  afterAll(async () => {
    await platform?.stop();
  });

  async function finished(jobId: string, token: string): Promise<JsonResponse> {
    let job: JsonResponse;
    do {
      await new Promise((resolve) => setTimeout(resolve, 100));
      job = await call('GET', `${governance}/jobs/${jobId}`, { token });
      expect(job.status).toBe(200);
    } while (job.body.state !== 'completed' && job.body.state !== 'failed');
    return job;
  }

  it('generates the FDA AI-DSF document of the demo model as a job, with its completeness and bundle hash', async () => {
    const created = await call('POST', `${governance}/documents`, {
      token: ra,
      body: { kind: 'fda-aidsf', model: DEMO_MODEL.name, version: DEMO_MODEL.version },
    });
    expect(created.status).toBe(202);
    const { id, jobId } = created.body as { id: string; jobId: string };
    const job = await finished(jobId, ra);
    expect(job.body).toMatchObject({ state: 'completed', progress: 100, result: { documentId: id } });

    const read = await call('GET', `${governance}/documents/${id}`, { token: ra });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id, status: 'completed', kind: 'fda-aidsf', requestedBy: 'ra.docs' });
    const completeness = read.body.completeness as { section: string; label: string }[];
    expect(completeness).toContainEqual(
      expect.objectContaining({ section: 'VIII. Data Management', label: 'test dataset' }),
    );
    const files = read.body.files as { name: string; sha256: string }[];
    expect(files.map((file) => file.name)).toEqual([
      `${DEMO_MODEL.name}-${DEMO_MODEL.version}-fda-aidsf.html`,
      `${DEMO_MODEL.name}-${DEMO_MODEL.version}-fda-aidsf.md`,
      `${DEMO_MODEL.name}-${DEMO_MODEL.version}-fda-aidsf.docx`,
      `${DEMO_MODEL.name}-${DEMO_MODEL.version}-fda-aidsf.completeness.json`,
    ]);
    const docx = await fetch(
      `${governance}/documents/${id}/content?file=${encodeURIComponent(files[2]?.name ?? '')}`,
      { headers: { authorization: `Bearer ${ra}` } },
    );
    expect(docx.headers.get('content-type')).toContain('wordprocessingml');
    const docxBytes = Buffer.from(await docx.arrayBuffer());
    expect(docxBytes.subarray(0, 2).toString()).toBe('PK');
    expect(createHash('sha256').update(docxBytes).digest('hex')).toBe(files[2]?.sha256);

    const html = await fetch(`${governance}/documents/${id}/content`, {
      headers: { authorization: `Bearer ${ra}` },
    });
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toContain('text/html');
    const body = await html.text();
    expect(createHash('sha256').update(body).digest('hex')).toBe(files[0]?.sha256);
    expect(body).toContain('<h2>XIII. Public Submission Summary</h2>');
    expect(body).toContain('MISSING: test dataset');

    const audit = await call('GET', `${governance}/audit/events?limit=100&action=document.generated`, {
      token: officer,
    });
    const events = (audit.body.records as { event: Record<string, unknown> }[]).map((record) => record.event);
    expect(events).toContainEqual(
      expect.objectContaining({
        outcome: 'success',
        responseSha256: read.body.bundleSha256,
        entity: expect.objectContaining({
          model: DEMO_MODEL.name,
          modelVersion: DEMO_MODEL.version,
        }) as unknown,
      }),
    );
  });

  it('generates the SBOM, refuses an unknown version, and denies roles without the policy rule', async () => {
    const created = await call('POST', `${governance}/documents`, {
      token: ra,
      body: { kind: 'sbom', model: DEMO_MODEL.name, version: DEMO_MODEL.version },
    });
    const { id, jobId } = created.body as { id: string; jobId: string };
    expect((await finished(jobId, ra)).body.state).toBe('completed');
    const sbom = await call('GET', `${governance}/documents/${id}/content`, { token: ra });
    expect(sbom.contentType).toContain('application/vnd.cyclonedx+json');
    expect(sbom.body).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.6' });

    const unknown = await call('POST', `${governance}/documents`, {
      token: ra,
      body: { kind: 'sbom', model: DEMO_MODEL.name, version: '9.9.9' },
    });
    expect(unknown.status).toBe(404);
    const invalid = await call('POST', `${governance}/documents`, {
      token: ra,
      body: { kind: 'brochure', model: DEMO_MODEL.name, version: DEMO_MODEL.version },
    });
    expect(invalid.status).toBe(400);

    const denied = await call('POST', `${governance}/documents`, {
      token: owner,
      body: { kind: 'sbom', model: DEMO_MODEL.name, version: DEMO_MODEL.version },
    });
    expect(denied.status).toBe(403);
    expect((await call('GET', `${governance}/documents/${id}`, { token: owner })).status).toBe(403);
  });

  it('makes the signed submission bundle as a job; its archive, unzipped, passes docs verify until a byte changes', async () => {
    const created = await call('POST', `${governance}/documents`, {
      token: ra,
      body: { kind: 'submission', model: DEMO_MODEL.name, version: DEMO_MODEL.version },
    });
    expect(created.status).toBe(202);
    const { id, jobId } = created.body as { id: string; jobId: string };
    const progress: number[] = [];
    let job: JsonResponse;
    do {
      await new Promise((resolve) => setTimeout(resolve, 50));
      job = await call('GET', `${governance}/jobs/${jobId}`, { token: ra });
      expect(job.status).toBe(200);
      progress.push(job.body.progress as number);
    } while (job.body.state !== 'completed' && job.body.state !== 'failed');
    expect(job.body).toMatchObject({ state: 'completed', progress: 100, result: { documentId: id } });
    expect(progress).toEqual([...progress].sort((a, b) => a - b));

    const read = await call('GET', `${governance}/documents/${id}`, { token: ra });
    expect(read.body).toMatchObject({ id, status: 'completed', kind: 'submission' });
    const names = (read.body.files as { name: string }[]).map((file) => file.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'manifest.jws',
        'manifest.json',
        'SHA256SUMS',
        'signing-keys.jwks.json',
        `${DEMO_MODEL.name}-${DEMO_MODEL.version}-eu-mdr-annex-ii.docx`,
        `${DEMO_MODEL.name}-${DEMO_MODEL.version}-fda-pccp.html`,
      ]),
    );
    expect(read.body.completeness).toContainEqual(
      expect.objectContaining({ kind: 'fda-aidsf', label: 'test dataset' }),
    );
    const manifest = await fetch(`${governance}/documents/${id}/content?file=manifest.json`, {
      headers: { authorization: `Bearer ${ra}` },
    });
    expect(
      createHash('sha256')
        .update(await manifest.text())
        .digest('hex'),
    ).toBe(read.body.bundleSha256);

    const download = await fetch(`${governance}/documents/${id}/archive`, {
      headers: { authorization: `Bearer ${ra}` },
    });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/zip');
    const archive = Buffer.from(await download.arrayBuffer());

    const dir = await mkdtemp(path.join(tmpdir(), 'praesidium-submission-'));
    try {
      await writeFile(path.join(dir, 'bundle.zip'), archive);
      const unzip = await run('unzip', ['-q', 'bundle.zip', '-d', 'out'], dir);
      expect(unzip.code).toBe(0);
      const [folder, ...others] = await readdir(path.join(dir, 'out'));
      expect(others).toEqual([]);
      const bundle = path.join(dir, 'out', folder ?? '');
      expect((await readdir(bundle)).sort()).toEqual([...names].sort());
      // The reviewer trusts the platform's published keys, not the ones inside the bundle.
      await writeFile(
        path.join(dir, 'trusted.jwks.json'),
        JSON.stringify(await platform.keyStore.publicJwks('regulatory-bundle')),
      );
      const verified = await run(
        process.execPath,
        [CLI, 'docs', 'verify', bundle, '--jwks', 'trusted.jwks.json'],
        dir,
      );
      expect(verified.code).toBe(0);
      expect(JSON.parse(verified.stdout)).toMatchObject({
        valid: true,
        model: DEMO_MODEL.name,
        version: DEMO_MODEL.version,
        problems: [],
      });

      const edited = path.join(bundle, `${DEMO_MODEL.name}-${DEMO_MODEL.version}-fda-aidsf.docx`);
      const bytes = await readFile(edited);
      bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 1;
      await writeFile(edited, bytes);
      const refused = await run(
        process.execPath,
        [CLI, 'docs', 'verify', bundle, '--jwks', 'trusted.jwks.json'],
        dir,
      );
      expect(refused.code).toBe(1);
      expect(JSON.parse(refused.stdout)).toMatchObject({
        valid: false,
        problems: [`${path.basename(edited)}: edited (SHA-256 differs from the manifest)`],
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    const audit = await call('GET', `${governance}/audit/events?limit=100&action=document.generated`, {
      token: officer,
    });
    const events = (audit.body.records as { event: Record<string, unknown> }[]).map((record) => record.event);
    expect(events).toContainEqual(
      expect.objectContaining({ outcome: 'success', responseSha256: read.body.bundleSha256 }),
    );
    expect(
      (
        await fetch(`${governance}/documents/${id}/archive`, {
          headers: { authorization: `Bearer ${owner}` },
        })
      ).status,
    ).toBe(403);
  });
});
