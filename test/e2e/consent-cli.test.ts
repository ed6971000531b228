import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exampleEsiInputs, LUMBAR_ESI_MODEL_NAME } from '@praesidium/demo';
import { call } from '../support/http.js';
import { praesidium } from '../support/cli.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { purposeConsent } from '../support/consents.js';
import { copyPgliteTemplate } from '../support/databases.js';

const jsonLines = (output: string) =>
  output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('praesidium consent, beside a running platform on the embedded database', () => {
  let dataDir: string;
  let platform: TestPlatform;
  let cliEnv: Record<string, string>;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'praesidium-consent-cli-'));
    await copyPgliteTemplate(dataDir);
    platform = await startTestPlatform('pglite', { PRAESIDIUM_DATA_DIR: dataDir });
    cliEnv = { NODE_ENV: 'test', PRAESIDIUM_DATA_DIR: dataDir };
  });
  afterAll(async () => {
    await platform?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('records, explains, revokes and exports a consent, and the running gateway follows', async () => {
    const patient = `Patient/cli-${randomUUID().slice(0, 8)}`;
    const form = randomBytes(1024);
    const file = path.join(dataDir, 'consent.json');
    await writeFile(
      file,
      JSON.stringify(
        purposeConsent(
          patient,
          {},
          { sourceAttachment: { contentType: 'application/pdf', data: form.toString('base64') } },
        ),
      ),
    );
    const recorded = await praesidium(
      ['consent', 'record', '--file', file, '--verification', 'signed-form', '--by', 'admin.kim'],
      cliEnv,
    );
    expect(recorded).toMatchObject({ code: 0, stderr: '' });
    const { id } = jsonLines(recorded.stdout)[0] as { id: string };

    const why = await praesidium(
      ['consent', 'why', '--patient', patient, '--purpose', 'TREAT', '--model', LUMBAR_ESI_MODEL_NAME],
      cliEnv,
    );
    expect(why.code).toBe(0);
    expect(jsonLines(why.stdout).at(-1)).toMatchObject({
      decision: 'permit',
      consentId: id,
      consentVersion: 1,
    });

    const clinician = await platform.token('pain-clinician');
    const infer = () =>
      call('POST', `${platform.config.http.gatewayUrl}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`, {
        token: clinician,
        body: { parameters: { patient, purpose_of_use: 'TREAT' }, inputs: exampleEsiInputs() },
      });
    expect((await infer()).status).toBe(200);

    // The patient is named, as for reading: an id alone is a usage error, another patient's finds nothing.
    const withoutPatient = await praesidium(['consent', 'revoke', '--id', id], cliEnv);
    expect(withoutPatient.code).toBe(2);
    const notTheirs = await praesidium(
      ['consent', 'revoke', '--id', id, '--patient', 'Patient/someone-else'],
      cliEnv,
    );
    expect(notTheirs.code).toBe(1);
    expect(notTheirs.stderr).toContain('"code":"request.not_found"');
    const revoked = await praesidium(
      ['consent', 'revoke', '--id', id, '--patient', patient, '--verification', 'telephone'],
      cliEnv,
    );
    expect(revoked).toMatchObject({ code: 0, stderr: '' });
    expect(jsonLines(revoked.stdout)[0]).toMatchObject({ id, version: 2, status: 'inactive' });

    const refused = await praesidium(['consent', 'why', '--patient', patient, '--purpose', 'TREAT'], cliEnv);
    expect(refused.code).toBe(1);
    expect(jsonLines(refused.stdout).at(-1)).toMatchObject({
      decision: 'deny',
      reason: 'consent.revoked',
      consentId: id,
      consentVersion: 2,
    });
    expect(refused.stdout).not.toContain(patient);

    // Another process wrote the revocation: the embedded gateway's cache lets it through within a second.
    let status = 200;
    for (let attempt = 0; attempt < 30 && status === 200; attempt += 1) {
      status = (await infer()).status;
      if (status === 200) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).toBe(403);

    const history = await praesidium(['consent', 'history', '--id', id, '--patient', patient], cliEnv);
    expect(
      jsonLines(history.stdout).map((line) => [line.change, line.recordedBy, line.verificationMethod]),
    ).toEqual([
      ['recorded', 'admin.kim', 'signed-form'],
      ['revoked', expect.stringMatching(/^cli:/), 'telephone'],
    ]);

    const rotated = await praesidium(['consent', 'rewrap-keys', '--rotate'], cliEnv);
    expect(rotated.code).toBe(0);
    expect(jsonLines(rotated.stdout)[0]).toMatchObject({ rewrapped: expect.any(Number) });
    const exported = await praesidium(
      ['consent', 'export', '--id', id, '--patient', patient, '--version', '1'],
      cliEnv,
    );
    expect(exported.code).toBe(0);
    const resource = JSON.parse(exported.stdout) as { status: string; sourceAttachment: { data: string } };
    expect(resource.status).toBe('active');
    expect(resource.sourceAttachment.data).toBe(form.toString('base64'));
  });

  it('refuses an invalid consent with the JSON path of each problem and exit code 1', async () => {
    const file = path.join(dataDir, 'invalid.json');
    await writeFile(file, JSON.stringify({ resourceType: 'Consent', status: 'approved', colour: 'blue' }));
    const run = await praesidium(['consent', 'record', '--file', file], cliEnv);
    expect(run.code).toBe(1);
    const problem = JSON.parse(run.stderr) as { code: string; errors: { path: string }[] };
    expect(problem.code).toBe('request.invalid');
    expect(problem.errors.map((error) => error.path)).toEqual(
      expect.arrayContaining(['$.status', '$.colour']),
    );
  });
});
