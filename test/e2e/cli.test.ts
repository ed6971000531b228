import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dataSourceOptions, openDataSource } from '@praesidium/database';
import { DEMO_PATIENTS, exampleEsiInputs, LUMBAR_ESI_MODEL_NAME, PERSONAS } from '@praesidium/demo';
import { call } from '../support/http.js';
import { praesidium } from '../support/cli.js';
import { copyPgliteTemplate } from '../support/databases.js';
import { eventually } from '../support/eventually.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

function lines(output: string): string[] {
  return output.split('\n').filter((line) => line.trim() !== '');
}

function inferenceBody(patient: string) {
  return { parameters: { patient, purpose_of_use: 'TREAT' }, inputs: exampleEsiInputs() };
}

describe('the praesidium CLI beside a running platform on the embedded database', () => {
  let dataDir: string;
  let platform: TestPlatform;
  /** What a shell beside `npm start` has: the same data dir and ports (so the same demo issuer). */
  let cliEnv: Record<string, string>;
  let inferUrl: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'praesidium-cli-'));
    await copyPgliteTemplate(dataDir);
    platform = await startTestPlatform('pglite', { PRAESIDIUM_DATA_DIR: dataDir });
    cliEnv = {
      NODE_ENV: 'test',
      PRAESIDIUM_DATA_DIR: dataDir,
      PRAESIDIUM_GATEWAY_PORT: String(platform.config.http.gatewayPort),
      PRAESIDIUM_GOVERNANCE_PORT: String(platform.config.http.governancePort),
      PRAESIDIUM_SAMPLE_MODEL_PORT: String(platform.config.http.sampleModelPort),
    };
    inferUrl = `${platform.config.http.gatewayUrl}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`;
    // Something for the audit commands to find: with the seeder's two records, seven in all, the
    // newest being the refusal, sent once the answers' outcome records (after-release) committed.
    const clinician = await platform.token('pain-clinician');
    for (const patient of [DEMO_PATIENTS.consented, DEMO_PATIENTS.consented]) {
      await call('POST', inferUrl, { token: clinician, body: inferenceBody(patient) });
    }
    expect(await outcomeRecords(2)).toBe(2);
    await call('POST', inferUrl, { token: clinician, body: inferenceBody(DEMO_PATIENTS.refused) });
  });

  afterAll(async () => {
    await platform?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** Waits for `count` outcome records: an answer's commits just after it (outcome audit after-release). */
  async function outcomeRecords(count: number): Promise<number> {
    const connection = platform.platform.database?.connection;
    if (!connection) throw new Error('the platform runs without a database');
    const dataSource = await openDataSource(dataSourceOptions(connection, [], 1));
    const read = async () =>
      (
        await dataSource.query<{ count: number }[]>(
          `SELECT count(*)::int AS count FROM audit.event WHERE action = 'inference.response'`,
        )
      )[0].count;
    try {
      return await eventually(read, (found) => found >= count);
    } finally {
      await dataSource.destroy();
    }
  }

  it('verifies the audit trail from another process over the socket and exits 0', async () => {
    const run = await praesidium(['audit', 'verify'], cliEnv);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const output = lines(run.stdout).map((line) => JSON.parse(line) as Record<string, unknown>);
    const summary = output[output.length - 1];
    expect(summary).toMatchObject({ valid: true });
    // It read the running platform's trail, not an empty database of its own.
    expect(summary.streams).toBeGreaterThanOrEqual(1);
    expect(summary.records).toBeGreaterThanOrEqual(2);
    // Before the summary, a line per chain, each valid.
    const chains = output.filter((line) => typeof line.streamId === 'string');
    expect(chains).toHaveLength(Number(summary.streams));
    for (const chain of chains) expect(chain).toMatchObject({ valid: true });
  });

  it('says the database is up to date when the running platform has migrated it', async () => {
    const run = await praesidium(['migrate'], cliEnv);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout.trim()).toBe('the database is up to date');
  });

  it('tails the latest audit records as JSON lines, oldest first', async () => {
    const run = await praesidium(['audit', 'tail', '--limit', '5'], cliEnv);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const records = lines(run.stdout).map(
      (line) =>
        JSON.parse(line) as {
          streamId: string;
          seq: number;
          hash: string;
          event: Record<string, unknown> & { recordedAt: string };
        },
    );
    expect(records).toHaveLength(5);
    for (const record of records) {
      expect(record).toEqual(
        expect.objectContaining({
          streamId: expect.any(String),
          seq: expect.any(Number),
          hash: expect.any(String),
        }),
      );
    }
    const times = records.map((record) => record.event.recordedAt);
    expect([...times].sort()).toEqual(times);
    expect(records[records.length - 1].event).toMatchObject({
      action: 'inference.request',
      outcome: 'refused',
      reasonCode: 'consent.denied',
    });
    expect(run.stdout).not.toContain('esi-demo');
  });

  it('leaves the platform serving its database after the CLI runs', async () => {
    expect((await readFile(path.join(dataDir, 'run', 'embedded.pid'), 'utf8')).trim()).toBe(
      String(process.pid),
    );
    const again = await call('POST', inferUrl, {
      token: await platform.token('pain-clinician'),
      body: inferenceBody(DEMO_PATIENTS.consented),
    });
    expect(again.status).toBe(200);
  });

  it('prints a demo token from the data dir’s key store that the running gateway accepts', async () => {
    const run = await praesidium(['token', '--persona', 'pain-clinician'], cliEnv);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const token = run.stdout.trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    expect(claims).toMatchObject({
      iss: platform.config.auth.issuer,
      sub: PERSONAS['pain-clinician'].subject,
    });

    const response = await call('POST', inferUrl, { token, body: inferenceBody(DEMO_PATIENTS.consented) });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ model_name: LUMBAR_ESI_MODEL_NAME });
  });

  it('refuses an unknown persona with exit 2 and the list of personas, a lifetime over the longest allowed, and any demo token in production', async () => {
    const emptyDir = await mkdtemp(path.join(tmpdir(), 'praesidium-cli-prod-'));
    try {
      const [unknown, tooLong, production] = await Promise.all([
        praesidium(['token', '--persona', 'nobody'], cliEnv),
        praesidium(['token', '--persona', 'pain-clinician', '--ttl', '99999'], cliEnv),
        praesidium(['token', '--persona', 'pain-clinician'], {
          NODE_ENV: 'production',
          PRAESIDIUM_DATA_DIR: emptyDir,
          PRAESIDIUM_AUTH_ISSUER: 'https://idp.example.org/realms/h',
          PRAESIDIUM_AUTH_JWKS_URL: 'https://idp.example.org/realms/h/certs',
        }),
      ]);
      expect(unknown.code).toBe(2);
      expect(unknown.stdout).toBe('');
      for (const persona of Object.keys(PERSONAS)) expect(unknown.stderr).toContain(persona);
      // A token the gateway would refuse as too long-lived is not minted shorter without a word.
      expect(tooLong.code).toBe(2);
      expect(tooLong.stdout).toBe('');
      expect(tooLong.stderr).toContain('from 1 to 3600');

      expect(production.code).not.toBe(0);
      expect(production.code).not.toBeNull();
      expect(production.stderr).toContain('token.demo_refused');
      expect(production.stdout).toBe('');
      // Refused before any key store is opened or created.
      expect(await readdir(emptyDir)).toEqual([]);
    } finally {
      await rm(emptyDir, { recursive: true, force: true });
    }
  });

  it('refuses to archive the month still open with its reason code, not an internal error name', async () => {
    const month = new Date().toISOString().slice(0, 7);
    const run = await praesidium(['audit', 'archive', '--month', month, '--out', dataDir], cliEnv);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe('request.invalid: only a month that has ended can be archived');
    expect(run.stdout).toBe('');
  });

  it('names the variable to change when another platform holds a port, before touching anything', async () => {
    const emptyDir = await mkdtemp(path.join(tmpdir(), 'praesidium-cli-port-'));
    try {
      const run = await praesidium(['start'], { ...cliEnv, PRAESIDIUM_DATA_DIR: emptyDir });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `127.0.0.1:${platform.config.http.sampleModelPort} is already in use (another Praesidium running?): set PRAESIDIUM_SAMPLE_MODEL_PORT to a free port`,
      );
      expect(await readdir(emptyDir)).toEqual([]);
    } finally {
      await rm(emptyDir, { recursive: true, force: true });
    }
  });

  it('stops every command on a bad configuration value, naming the variable, before touching anything', async () => {
    const emptyDir = await mkdtemp(path.join(tmpdir(), 'praesidium-cli-bad-'));
    try {
      const commands = [
        ['start'],
        ['migrate'],
        ['token', '--persona', 'pain-clinician'],
        ['audit', 'verify'],
        ['audit', 'tail'],
      ];
      const runs = await Promise.all(
        commands.map((args) =>
          praesidium(args, {
            NODE_ENV: 'test',
            PRAESIDIUM_DATA_DIR: emptyDir,
            PRAESIDIUM_GATEWAY_PORT: 'eighty',
          }),
        ),
      );
      runs.forEach((run, index) => {
        expect({ command: commands[index].join(' '), code: run.code }).toEqual({
          command: commands[index].join(' '),
          code: 1,
        });
        expect(run.stderr).toContain('PRAESIDIUM_GATEWAY_PORT');
        expect(run.stdout).toBe('');
      });
      expect(await readdir(emptyDir)).toEqual([]);
    } finally {
      await rm(emptyDir, { recursive: true, force: true });
    }
  });
});
