// The README's first command: `npm start` on the embedded default (no NODE_ENV, no identity provider
// configured) runs the demo and prints the URLs, the personas with their tokens and two curls that
// work as printed. PRAESIDIUM_DEMO left at `auto` must keep it so.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PERSONAS } from '@praesidium/demo';
import { freePort } from '../support/platform.js';
import { PROCESS_START_TIMEOUT_MS } from '../support/processes.js';

const CLI = path.resolve('bin/praesidium.js');
/** The banner's last line: everything is printed once it is. */
const BANNER_END = 'Both are in the audit trail';

function sh(command: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('sh', ['-c', command], { timeout: 30_000 }, (error, stdout) => {
      if (error) reject(new Error(`${command.split('\n')[0]} failed: ${error.message}`));
      else resolve(stdout);
    }),
  );
}

describe('npm start on the embedded default', () => {
  let dataDir: string;
  let child: ChildProcess | undefined;
  let banner = '';

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'praesidium-start-'));
    // As a shell runs `npm start`: no NODE_ENV, nothing of the test runner's environment.
    child = spawn(process.execPath, [CLI, 'start'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? tmpdir(),
        PRAESIDIUM_LOG_LEVEL: 'error',
        PRAESIDIUM_DATA_DIR: dataDir,
        PRAESIDIUM_GATEWAY_PORT: String(await freePort()),
        PRAESIDIUM_GOVERNANCE_PORT: String(await freePort()),
        PRAESIDIUM_SAMPLE_MODEL_PORT: String(await freePort()),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const started = child;
    banner = await new Promise<string>((resolve, reject) => {
      let output = '';
      started.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
        if (output.includes(BANNER_END)) resolve(output);
      });
      started.once('exit', (code) => reject(new Error(`praesidium start exited with ${code}`)));
    });
  }, PROCESS_START_TIMEOUT_MS);

  afterAll(async () => {
    const running = child;
    if (running && running.exitCode === null) {
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGTERM');
      await exited;
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('prints the URLs, every persona with a token, and the console with its persona sign-in', () => {
    expect(banner).toMatch(/gateway\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(banner).toMatch(/console\s+http:\/\/127\.0\.0\.1:\d+\/console\/ \(sign in with demo personas\)/);
    for (const persona of Object.keys(PERSONAS)) {
      expect(banner).toMatch(new RegExp(`${persona}\\s.*\\n\\s+eyJ[\\w-]+\\.[\\w-]+\\.[\\w-]+`));
    }
  });

  it('prints two curls that answer as the README says: the output, then consent.denied', async () => {
    const curls = banner.split('\n\n').filter((block) => block.startsWith('curl '));
    expect(curls).toHaveLength(2);
    const allowed = JSON.parse(await sh(curls[0])) as Record<string, unknown>;
    expect(allowed).toMatchObject({ model_name: 'lumbar-esi-outcome', model_version: '1.0.0' });
    const refused = JSON.parse(await sh(curls[1])) as Record<string, unknown>;
    expect(refused).toMatchObject({ status: 403, code: 'consent.denied' });
  });
});
