import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type PraesidiumConfig } from '@praesidium/config';
import { mintDemoToken, type PersonaName } from '@praesidium/demo';
import type { KeyStore } from '@praesidium/keys';
import { startPlatform, type RunningPlatform } from '../../apps/cli/src/platform.js';
import { copyPgliteTemplate, createIsolatedDatabase } from './databases.js';

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
  const config = loadConfig({
    NODE_ENV: 'test',
    PRAESIDIUM_DATA_DIR: dataDir,
    PRAESIDIUM_LOG_LEVEL: 'error',
    PRAESIDIUM_GATEWAY_PORT: String(await freePort()),
    PRAESIDIUM_GOVERNANCE_PORT: String(await freePort()),
    PRAESIDIUM_SAMPLE_MODEL_PORT: String(await freePort()),
    ...(isolated ? { DATABASE_URL: isolated.url } : {}),
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
    async stop() {
      await platform.stop();
      await isolated?.drop();
    },
  };
}
