import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';

const CLI = path.resolve('bin/praesidium.js');

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `praesidium …` as its own process (run `npm run build` first). Asynchronous on purpose: the
 * embedded database may be served by this (the test's) process, so a synchronous spawn would block
 * the very socket the CLI talks to. The environment is built from scratch so nothing of the test
 * runner's (DATABASE_URL, OTEL_*) leaks in: pass what the command needs in `env`.
 */
export function praesidium(args: string[], env: Record<string, string>, timeoutMs = 30_000): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        cwd: process.cwd(),
        timeout: timeoutMs,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? tmpdir(),
          PRAESIDIUM_LOG_LEVEL: 'error',
          ...env,
        },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
