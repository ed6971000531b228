import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type PraesidiumConfig } from '@praesidium/config';
import { mintDemoToken, type PersonaName } from '@praesidium/demo';
import type { KeyStore } from '@praesidium/keys';
import { startPlatform, type RunningPlatform } from '../../apps/cli/src/platform.js';
import { copyPgliteTemplate, createIsolatedDatabase } from './databases.js';

/**
 * Ports below Linux's ephemeral range (32768–60999 by default): a port the kernel hands out for port 0
 * is also one it hands to outgoing connections, so between our probe and the platform's listen a
 * connection to PostgreSQL or Redis from any test could take it (EADDRINUSE, seen in CI).
 */
const FIXED_PORTS = { from: 20000, to: 32767 };

/** A port free on 127.0.0.1 now, outside the ephemeral range when one can be found there. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = FIXED_PORTS.from + Math.floor(Math.random() * (FIXED_PORTS.to - FIXED_PORTS.from));
    if (await canListen(port)) return port;
  }
  return listenOnce(0);
}

async function canListen(port: number): Promise<boolean> {
  return listenOnce(port).then(
    () => true,
    () => false,
  );
}

/** Listens on the port (0: any), closes, and gives the port it had. */
function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface TestPlatform {
  readonly platform: RunningPlatform;
  readonly config: PraesidiumConfig;
  readonly keyStore: KeyStore;
  token(persona: PersonaName): Promise<string>;
  stop(): Promise<void>;
}

/**
 * The whole platform in this process on free ports, as `npm start` runs it: on a PostgreSQL database
 * of its own (`postgres`; dropped by `stop()`) or on a fresh embedded PGlite data directory (`pglite`,
 * the default path). Each platform seeds its own demo with its own keys: sharing a database between
 * platforms with different key stores would hide the demo consents behind another pseudonym key.
 * Both start from the run's migrated, unseeded copy (test/support/databases.ts); a `PRAESIDIUM_DATA_DIR`
 * given in `env` is used as it is, so a new one sees the embedded database made, as on a first start.
 */
export async function startTestPlatform(
  database: 'postgres' | 'pglite',
  env: Record<string, string> = {},
): Promise<TestPlatform> {
  let dataDir = env.PRAESIDIUM_DATA_DIR;
  if (!dataDir) {
    dataDir = await mkdtemp(path.join(tmpdir(), 'praesidium-e2e-'));
    if (database === 'pglite') await copyPgliteTemplate(dataDir);
  }
  const isolated =
    database === 'postgres' && !env.DATABASE_URL
      ? await createIsolatedDatabase({ migrated: true })
      : undefined;
  const configOn = async () =>
    loadConfig({
      NODE_ENV: 'test',
      PRAESIDIUM_DATA_DIR: dataDir,
      PRAESIDIUM_LOG_LEVEL: 'error',
      PRAESIDIUM_GATEWAY_PORT: String(await freePort()),
      PRAESIDIUM_GOVERNANCE_PORT: String(await freePort()),
      PRAESIDIUM_SAMPLE_MODEL_PORT: String(await freePort()),
      ...(isolated ? { DATABASE_URL: isolated.url } : {}),
      ...env,
    });
  let config = await configOn();
  let platform: RunningPlatform;
  // A port probed free can still be taken before the platform listens on it: other ports, once more.
  for (let attempt = 1; ; attempt++) {
    try {
      platform = await startPlatform(config);
      break;
    } catch (error) {
      if ((error as Error).name !== 'PortInUseError' || attempt === 3) throw error;
      config = await configOn();
    }
  }
  const keyStore = platform.deps?.keyStore;
  if (!keyStore) throw new Error('the test platform runs every app');
  return {
    platform,
    config,
    keyStore,
    token: (persona) => mintDemoToken(keyStore, config, persona),
    async stop() {
      await platform.stop();
      await isolated?.drop();
    },
  };
}
