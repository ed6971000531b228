import { execFile } from 'node:child_process';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './platform.js';

const run = promisify(execFile);
const BIN = process.env.PRAESIDIUM_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/**
 * A PostgreSQL cluster of the test's own, in a temporary directory on a free port, that the test may
 * stop and start at will: the machine's shared server must never be stopped. `initdb` refuses to run
 * as root, so as root every command runs as the `postgres` user.
 */
export interface PrivatePostgres {
  /** `postgres://postgres@127.0.0.1:<port>/praesidium`, a database made at creation. */
  readonly url: string;
  readonly port: number;
  /** Stops the server: `immediate` kills it as a crash would (no checkpoint), `fast` shuts it down. */
  stop(mode?: 'immediate' | 'fast'): Promise<void>;
  /** Starts it again on the same port and data; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops the server and removes its directory. */
  remove(): Promise<void>;
}

export async function createPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = await mkdtemp(path.join(tmpdir(), 'praesidium-pg-'));
  const data = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  await chmod(dir, 0o700);
  const pg = async (tool: string, args: string[]) => {
    const command = asRoot ? 'runuser' : path.join(BIN, tool);
    const argv = asRoot ? ['-u', 'postgres', '--', path.join(BIN, tool), ...args] : args;
    return run(command, argv, { timeout: 60_000 });
  };
  const port = await freePort();
  await pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=100`;
  let running = false;
  const start = async () => {
    await pg('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), '-o', options, '-w', '-t', '60', 'start']);
    running = true;
  };
  const stop = async (mode: 'immediate' | 'fast' = 'immediate') => {
    if (!running) return;
    await pg('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
    running = false;
  };
  await start();
  await pg('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'praesidium']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/praesidium`,
    port,
    stop,
    start,
    async remove() {
      await stop('immediate').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
