import { DEMO_PATIENTS, exampleEsiInputs, LUMBAR_ESI_MODEL_NAME } from '@praesidium/demo';
import { call } from '../support/http.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

describe('audit export for security officers', () => {
  let platform: TestPlatform;
  let officer: string;
  let refusalId: string;

  beforeAll(async () => {
    platform = await startTestPlatform('postgres');
    officer = await platform.token('security-officer');
    const clinician = await platform.token('pain-clinician');
    const refused = await call(
      'POST',
      `${platform.config.http.gatewayUrl}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`,
      {
        token: clinician,
        body: {
          parameters: { patient: DEMO_PATIENTS.refused, purpose_of_use: 'TREAT' },
          inputs: exampleEsiInputs(),
        },
      },
    );
    refusalId = String(refused.body.correlationId);
  });
  afterAll(async () => {
    await platform?.stop();
  });

  async function download(query: string, token = officer) {
    const response = await fetch(`${platform.config.http.governanceUrl}/audit/export?${query}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return {
      status: response.status,
      type: response.headers.get('content-type') ?? '',
      text: await response.text(),
    };
  }

  it('exports the refusals of a patient, found by the reference the officer typed, as a FHIR Bundle', async () => {
    const patient = encodeURIComponent(DEMO_PATIENTS.refused);
    const fhir = await download(`format=fhir&patient=${patient}&outcome=refused`);
    expect(fhir.status).toBe(200);
    expect(fhir.type).toContain('application/fhir+json');
    const bundle = JSON.parse(fhir.text) as {
      resourceType: string;
      entry: { resource: Record<string, unknown> }[];
    };
    expect(bundle.resourceType).toBe('Bundle');
    expect(bundle.entry.length).toBeGreaterThan(0);
    // Other tests share this database: every entry is a refusal, and ours is among them.
    expect(bundle.entry.every(({ resource }) => resource.outcome === '4')).toBe(true);
    const ours = bundle.entry.find(({ resource }) => JSON.stringify(resource).includes(refusalId));
    expect(ours?.resource).toMatchObject({ outcome: '4', outcomeDesc: 'consent.denied' });
    expect(fhir.text).not.toContain('esi-demo');
  });

  it('exports CSV and NDJSON with one record per row', async () => {
    const csv = await download('format=csv&reason_code=consent.denied');
    expect(csv.type).toContain('text/csv');
    const rows = csv.text.trim().split('\r\n');
    expect(rows[0]).toMatch(/^recorded_at,stream,seq,action,outcome,reason_code/);
    expect(rows.length).toBeGreaterThan(1);
    const ndjson = await download('format=ndjson&reason_code=consent.denied');
    const lines = ndjson.text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: { reasonCode: string } });
    expect(lines.every((line) => line.event.reasonCode === 'consent.denied')).toBe(true);
  });

  it('refuses the export to a clinician and an unknown format', async () => {
    const clinician = await platform.token('pain-clinician');
    expect((await download('format=csv', clinician)).status).toBe(403);
    const bad = await call('GET', `${platform.config.http.governanceUrl}/audit/export?format=xlsx`, {
      token: officer,
    });
    expect(bad).toMatchObject({ status: 400, body: { code: 'request.invalid' } });
  });
});
