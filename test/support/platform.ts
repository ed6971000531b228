import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type PraesidiumConfig } from '@praesidium/config';
import { mintDemoToken, type PersonaName } from '@praesidium/demo';
import type { KeyStore } from '@praesidium/keys';
import { startPlatform, type RunningPlatform } from '../../apps/cli/src/platform.js';
import { postgresConnection } from './databases.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
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
 * The whole platform in this process on free ports, as `npm start` runs it: on the run's PostgreSQL
 * database (`postgres`) or on a fresh embedded PGlite data directory (`pglite`, the default path).
 */
export async function startTestPlatform(
  database: 'postgres' | 'pglite',
  env: Record<string, string> = {},
): Promise<TestPlatform> {
  const dataDir = env.PRAESIDIUM_DATA_DIR ?? (await mkdtemp(path.join(tmpdir(), 'praesidium-e2e-')));
  const connection = database === 'postgres' ? postgresConnection() : undefined;
  const config = loadConfig({
    NODE_ENV: 'test',
    PRAESIDIUM_DATA_DIR: dataDir,
    PRAESIDIUM_LOG_LEVEL: 'error',
    PRAESIDIUM_GATEWAY_PORT: String(await freePort()),
    PRAESIDIUM_GOVERNANCE_PORT: String(await freePort()),
    PRAESIDIUM_SAMPLE_MODEL_PORT: String(await freePort()),
    ...(connection?.kind === 'server' ? { DATABASE_URL: connection.url } : {}),
    ...env,
  });
  const platform = await startPlatform(config);
  const keyStore = platform.deps?.keyStore;
  if (!keyStore) throw new Error('the test platform runs every app');
  return {
    platform,
    config,
    keyStore,
    token: (persona) => mintDemoToken(keyStore, config, persona),
    stop: () => platform.stop(),
  };
}
