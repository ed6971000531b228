import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Role } from '@praesidium/access';
import { computedBiasReport } from '../support/bias-reports.js';
import { call, type JsonResponse } from '../support/http.js';
import { tokenFor } from '../support/officers.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

function evaluationCsv(rows = 400): string {
  const lines = ['label,prediction,score,sex,site'];
  for (let i = 0; i < rows; i++) {
    const label = i % 3 === 0 ? 1 : 0;
    const sex = i % 2 ? 'female' : 'male';
    const score = label ? 0.55 + (i % 40) / 100 : 0.05 + (i % 50) / 100;
    lines.push(`${label},${score >= 0.5 ? 1 : 0},${score.toFixed(3)},${sex},site-${i % 4}`);
  }
  return `${lines.join('\n')}\n`;
}

async function upload(url: string, token: string, body: string, query: string): Promise<JsonResponse> {
  const response = await fetch(`${url}/bias-reports?${query}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' },
    body,
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    body: JSON.parse(text) as Record<string, unknown>,
  };
}

describe('bias reports for ethics boards', () => {
  let platform: TestPlatform;
  let governance: string;
  const tokens: Partial<Record<Role | 'second-officer', string>> = {};
  const mapping = 'label=label&prediction=prediction&score=score&sensitive=sex,site&resamples=200&seed=5';

  beforeAll(async () => {
    platform = await startTestPlatform('postgres');
    governance = platform.config.http.governanceUrl;
    tokens['security-officer'] = await platform.token('security-officer');
    tokens['second-officer'] = await tokenFor(platform, 'second.officer', ['security-officer']);
    tokens['model-owner'] = await tokenFor(platform, 'owner.one', ['model-owner']);
    tokens['ethics-board'] = await tokenFor(platform, 'ethics.member', ['ethics-board']);
    tokens['regulatory-affairs'] = await tokenFor(platform, 'ra.one', ['regulatory-affairs']);
    tokens.clinician = await tokenFor(platform, 'clinician.one', ['clinician']);
  });
  afterAll(async () => {
    await platform?.stop();
  });

  async function storedReports(): Promise<number> {
    const client = new pg.Client({ connectionString: platform.config.database.url });
    await client.connect();
    try {
      const result = await client.query<{ count: string }>('SELECT count(*) FROM fairness.bias_report');
      return Number(result.rows[0].count);
    } finally {
      await client.end();
    }
  }

  it('are refused to roles the seeded policy does not grant them to', async () => {
    for (const role of ['clinician', 'security-officer'] as const) {
      const refused = await upload(governance, tokens[role]!, evaluationCsv(), mapping);
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('access.denied');
    }
    expect(await storedReports()).toBe(0);
  });

  it('refuse a malformed file with its first errors by line and column, storing nothing', async () => {
    const before = await storedReports();
    const bad = 'label,prediction,score,sex,site\n1,1,0.9,female,a\n1,yes,0.9,male,a\n1,1,1.5,male,a\n';
    const refused = await upload(governance, tokens['model-owner']!, bad, mapping);
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({
      code: 'bias.input_invalid',
      errors: [
        { path: 'line 3, column prediction', message: 'expected 0 or 1 (or true/false)' },
        { path: 'line 4, column score', message: 'expected a number between 0 and 1' },
      ],
    });
    expect(await storedReports()).toBe(before);
  });

  it('run as a job, then ethics-board members read the JSON and HTML report and comment', async () => {
    const csv = evaluationCsv();
    const created = await upload(governance, tokens['model-owner']!, csv, `${mapping}&name=validation.csv`);
    expect(created.status).toBe(202);
    const { id, jobId } = created.body as { id: string; jobId: string };
    let job: JsonResponse;
    do {
      await new Promise((resolve) => setTimeout(resolve, 100));
      job = await call('GET', `${governance}/jobs/${jobId}`, { token: tokens['model-owner'] });
      expect(job.status).toBe(200);
    } while (job.body.state !== 'completed' && job.body.state !== 'failed');
    expect(job.body).toMatchObject({ state: 'completed', progress: 100, result: { reportId: id } });

    const read = await call('GET', `${governance}/bias-reports/${id}`, { token: tokens['ethics-board'] });
    expect(read.status).toBe(200);
    const sha256 = createHash('sha256').update(csv).digest('hex');
    expect(read.body).toMatchObject({
      id,
      status: 'completed',
      requestedBy: 'owner.one',
      dataset: { sha256, rows: 400, format: 'csv', name: 'validation.csv' },
      signOff: { required: true },
    });
    const report = read.body.report as {
      groupings: { name: string }[];
      settings: { bootstrap: { seed: number } };
    };
    expect(report.groupings.map((grouping) => grouping.name)).toEqual(['sex', 'site', 'sex × site']);
    expect(report.settings.bootstrap.seed).toBe(5);
    expect(read.body.reportSha256).toMatch(/^[0-9a-f]{64}$/);

    const html = await fetch(`${governance}/bias-reports/${id}/report.html`, {
      headers: { authorization: `Bearer ${tokens['ethics-board']}` },
    });
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toContain('text/html');
    const page = await html.text();
    expect(page).toContain('<svg');
    expect(page).toContain(sha256);
    expect(page).not.toContain('<script');

    const commented = await call('POST', `${governance}/bias-reports/${id}/comments`, {
      token: tokens['ethics-board'],
      body: { body: 'Site 3 needs a closer look before approval.' },
    });
    expect(commented.status).toBe(201);
    const ownerComment = await call('POST', `${governance}/bias-reports/${id}/comments`, {
      token: tokens['model-owner'],
      body: { body: 'Looks fine to me.' },
    });
    expect(ownerComment.status).toBe(403);
    const again = await call('GET', `${governance}/bias-reports/${id}`, {
      token: tokens['regulatory-affairs'],
    });
    expect(again.body.comments).toMatchObject([
      { author: 'ethics.member', body: 'Site 3 needs a closer look before approval.' },
    ]);

    const clinician = await call('GET', `${governance}/bias-reports/${id}`, { token: tokens.clinician });
    expect(clinician.status).toBe(403);

    // The audit trail has the request (by the file's digest), the computed report and the comment.
    const audit = await call('GET', `${governance}/audit/events?limit=100&action=bias_report.completed`, {
      token: tokens['security-officer'],
    });
    const completed = (audit.body.records as { event: Record<string, unknown> }[]).map(
      (record) => record.event,
    );
    expect(completed).toContainEqual(
      expect.objectContaining({ requestSha256: sha256, responseSha256: read.body.reportSha256 }),
    );
    for (const action of ['bias_report.requested', 'bias_report.commented']) {
      const events = await call('GET', `${governance}/audit/events?limit=100&action=${action}`, {
        token: tokens['security-officer'],
      });
      expect((events.body.records as unknown[]).length).toBeGreaterThan(0);
    }
  });

  it('are signed off by ethics-board members (Part 11: signing PIN, bound to reportSha256), audited', async () => {
    const { id, reportSha256 } = await computedBiasReport(
      governance,
      tokens['model-owner']!,
      `${mapping}&modelVersion=lumbar-esi-outcome@3.0.0`,
    );
    const signOff = (token: string, overrides: Record<string, unknown> = {}) =>
      call('POST', `${governance}/bias-reports/${id}/signatures`, {
        token,
        body: {
          role: 'ethics-board',
          meaning: 'approved',
          recordSha256: reportSha256,
          pin: 'board-pin-2026',
          ...overrides,
        },
      });
    // Only the ethics board signs; the requester (a model owner) has no such permission.
    for (const role of ['model-owner', 'regulatory-affairs'] as const)
      expect((await signOff(tokens[role]!)).body).toMatchObject({ status: 403, code: 'access.denied' });
    // No signing PIN set yet: re-authentication fails.
    expect((await signOff(tokens['ethics-board']!)).body).toMatchObject({
      status: 401,
      code: 'signature.reauthentication_failed',
    });
    const pin = await call('PUT', `${governance}/signing-pin`, {
      token: tokens['ethics-board'],
      body: { pin: 'board-pin-2026' },
    });
    expect(pin.status).toBe(204);
    expect((await signOff(tokens['ethics-board']!, { pin: 'not-my-pin' })).body).toMatchObject({
      code: 'signature.reauthentication_failed',
    });
    // A signature binds to this report's hash and no other.
    expect((await signOff(tokens['ethics-board']!, { recordSha256: 'f'.repeat(64) })).body).toMatchObject({
      status: 409,
      code: 'signature.record_mismatch',
    });
    expect((await signOff(tokens['ethics-board']!, { role: 'regulatory-affairs' })).status).toBe(400);
    // Someone on the ethics board who also requested a report may not sign off their own.
    const both = await tokenFor(platform, 'owner.and.member', ['model-owner', 'ethics-board']);
    expect(
      (await call('PUT', `${governance}/signing-pin`, { token: both, body: { pin: 'both-pin-2026' } }))
        .status,
    ).toBe(204);
    const own = await computedBiasReport(governance, both, mapping);
    const ownSignOff = await call('POST', `${governance}/bias-reports/${own.id}/signatures`, {
      token: both,
      body: {
        role: 'ethics-board',
        meaning: 'approved',
        recordSha256: own.reportSha256,
        pin: 'both-pin-2026',
      },
    });
    expect(ownSignOff.body).toMatchObject({ status: 403, code: 'bias.requester_signs' });

    const signed = await signOff(tokens['ethics-board']!, { printedName: 'Prof Ines Moreau' });
    expect(signed.status).toBe(201);
    expect(signed.body).toMatchObject({
      reportId: id,
      signerSubject: 'ethics.member',
      printedName: 'Prof Ines Moreau',
      signerRole: 'ethics-board',
      meaning: 'approved',
      recordSha256: reportSha256,
      reauthenticatedBy: 'signing-pin',
    });
    const read = await call('GET', `${governance}/bias-reports/${id}`, {
      token: tokens['regulatory-affairs'],
    });
    expect(read.body.signOff).toMatchObject({
      bindsTo: reportSha256,
      signatures: [{ signerSubject: 'ethics.member', meaning: 'approved', recordSha256: reportSha256 }],
    });

    const audit = await call('GET', `${governance}/audit/events?limit=100&action=bias_report.signed`, {
      token: tokens['security-officer'],
    });
    const events = (audit.body.records as { event: Record<string, unknown> }[]).map((record) => record.event);
    expect(events).toContainEqual(
      expect.objectContaining({
        outcome: 'success',
        requestSha256: signed.body.signatureSha256,
        responseSha256: reportSha256,
      }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ outcome: 'refused', reasonCode: 'signature.record_mismatch' }),
    );
  });

  it('take a registry dataset as their input only when the file is that dataset (its content hash)', async () => {
    const csv = evaluationCsv();
    const registered = await call('POST', `${governance}/models/lumbar-esi-outcome/datasets`, {
      token: tokens['model-owner'],
      body: {
        name: 'esi-test-2025',
        splitRole: 'test',
        datasheet: {
          provenance: 'retrospective records of the pain clinic, de-identified',
          collectionSites: ['main-campus'],
          collectionPeriod: { from: '2025-01-01', to: '2025-06-30' },
          inclusionCriteria: 'adults with a first lumbar ESI',
          exclusionCriteria: 'prior ESI within 6 months',
          demographics: { sex: { female: 0.5, male: 0.5 }, age: { '18-64': 0.6, '65+': 0.4 } },
          annotation: {
            method: 'NRS at 4 weeks from follow-up call',
            referenceStandard: '>=50% NRS reduction',
          },
          independenceControls: 'test site held out',
        },
        contentSha256: createHash('sha256').update(csv).digest('hex'),
      },
    });
    expect(registered.status).toBe(201);
    const datasetId = registered.body.id as string;
    const before = await storedReports();

    const other = await upload(
      governance,
      tokens['model-owner']!,
      evaluationCsv(399),
      `${mapping}&dataset=${datasetId}`,
    );
    expect(other.body).toMatchObject({ status: 422, code: 'bias.dataset_mismatch' });
    const unknown = await upload(
      governance,
      tokens['model-owner']!,
      csv,
      `${mapping}&dataset=00000000-0000-4000-8000-000000000000`,
    );
    expect(unknown.body).toMatchObject({ status: 404, code: 'bias.dataset_unknown' });
    expect(await storedReports()).toBe(before);

    const accepted = await upload(governance, tokens['model-owner']!, csv, `${mapping}&dataset=${datasetId}`);
    expect(accepted.status).toBe(202);
    const read = await call('GET', `${governance}/bias-reports/${accepted.body.id as string}`, {
      token: tokens['ethics-board'],
    });
    expect(read.body).toMatchObject({
      registryDatasetId: datasetId,
      dataset: { sha256: registered.body.contentSha256 },
    });
  });
});
