import { createHash } from 'node:crypto';
import { DEMO_MODEL } from '@praesidium/demo';
import { call, type JsonResponse } from '../support/http.js';
import { tokenFor } from '../support/officers.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

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
});
