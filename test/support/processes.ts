import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Role } from '@praesidium/access';
import { ACCESS_TOKEN_JWS_TYPE, loadConfig } from '@praesidium/config';
import { mintDemoToken, type PersonaName } from '@praesidium/demo';
import { KeyStore, signJwt } from '@praesidium/keys';

const CLI = path.resolve('bin/praesidium.js');
/** Starting Nest apps takes a few seconds, and far more on a 2-core machine shared with other jobs. */
export const PROCESS_START_TIMEOUT_MS = 180_000;
/** Every process started and not yet stopped, so a suite can stop them even after a failed start. */
const live = new Set<PlatformProcess>();

/** A `praesidium start --apps …` in a process of its own (run `npm run build` first). */
export interface PlatformProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** SIGKILL: no shutdown hook runs, as when the machine or the OOM killer takes the process. */
  kill(): Promise<void>;
  /** SIGTERM: a graceful stop. */
  stop(): Promise<void>;
}

/**
 * Starts `apps` with `env` (built from scratch: nothing of the test runner's leaks in) and waits until
 * `healthPath` on `port` answers 200. Each process of a deployment shares the database, Redis and the
 * data directory (the key store) with the others, as replicas share their secrets.
 */
export async function startPlatformProcess(
  apps: string,
  port: number,
  healthPath: string,
  env: Record<string, string>,
): Promise<PlatformProcess> {
  const child = spawn(process.execPath, [CLI, 'start', '--apps', apps], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? tmpdir(),
      NODE_ENV: 'test',
      PRAESIDIUM_LOG_LEVEL: 'error',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(name);
    await exited;
  };
  const running = { url, child, kill: () => signal('SIGKILL'), stop: () => signal('SIGTERM') };
  live.add(running);
  void exited.then(() => live.delete(running));
  const deadline = Date.now() + PROCESS_START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const health = await fetch(`${url}${healthPath}`).catch(() => undefined);
    if (health?.ok) return running;
    if (child.exitCode !== null) break;
    await sleep(100);
  }
  await running.kill();
  throw new Error(`praesidium start --apps ${apps} did not come up`);
}

/** Stops (SIGTERM) every platform process this test file started that still runs. */
export async function stopPlatformProcesses(): Promise<void> {
  await Promise.all([...live].map((running) => running.stop()));
}

/**
 * Demo tokens for platform processes started with `env`: minted with the demo issuer key of their
 * shared data directory, as `praesidium token` does. `as` signs for someone who is not a persona.
 */
export async function processTokens(env: Record<string, string>) {
  const config = loadConfig({ NODE_ENV: 'test', ...env });
  const keyStore = await KeyStore.openOrCreate(config.dataDir);
  return {
    config,
    keyStore,
    persona: (name: PersonaName) => mintDemoToken(keyStore, config, name),
    async as(subject: string, roles: readonly Role[]) {
      const now = Math.floor(Date.now() / 1000);
      return signJwt(
        keyStore.current('demo-issuer'),
        { iss: config.auth.issuer, aud: config.auth.audience, sub: subject, roles, iat: now, exp: now + 600 },
        ACCESS_TOKEN_JWS_TYPE,
      );
    },
  };
}
