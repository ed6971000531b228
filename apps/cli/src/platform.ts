import type { INestApplication } from '@nestjs/common';
import { DEFAULT_APPS, type AppName } from './app-names.js';
import type { PraesidiumConfig } from '@praesidium/config';
import {
  acquireDatabase,
  dataSourceOptions,
  openDataSource,
  runMigrations,
  type AcquiredDatabase,
} from '@praesidium/database';
import { createJobQueue } from '@praesidium/jobs';
import { KeyStore } from '@praesidium/keys';
import type { PlatformDeps } from '@praesidium/platform';
import { createGatewayApp } from '../../gateway/src/create-gateway-app.js';
import { createGovernanceApp } from '../../governance/src/create-governance-app.js';
import { createWorkerApp } from '../../governance/src/create-worker-app.js';
import { createSampleModelApp } from '../../sample-model/src/create-sample-model-app.js';

export interface RunningPlatform {
  readonly config: PraesidiumConfig;
  readonly apps: readonly AppName[];
  /** The shared dependencies of gateway and governance; absent when only the sample model runs. */
  readonly deps: PlatformDeps | undefined;
  readonly database: AcquiredDatabase | undefined;
  stop(): Promise<void>;
}

/** Applies pending migrations on the given database and reports their names. */
export async function migrate(database: AcquiredDatabase): Promise<string[]> {
  const dataSource = await openDataSource(dataSourceOptions(database.connection, [], 2));
  try {
    return await runMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

/**
 * Starts the chosen apps in this process: the embedded default runs all three on PGlite and the
 * in-process job runner; a production deployment runs one app per process on PostgreSQL and Redis.
 */
export async function startPlatform(
  config: PraesidiumConfig,
  apps: readonly AppName[] = DEFAULT_APPS,
): Promise<RunningPlatform> {
  const started: INestApplication[] = [];
  const closers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const app of started.reverse()) await app.close();
    for (const close of closers.reverse()) await close();
  };
  let deps: PlatformDeps | undefined;
  let database: AcquiredDatabase | undefined;
  try {
    const { host, sampleModelPort, governancePort, gatewayPort, workerPort } = config.http;
    // Order matters for the demo: the model and the issuer keys are up before the gateway takes calls.
    if (apps.includes('sample-model')) {
      started.push(
        await listen(
          await createSampleModelApp(config),
          host,
          sampleModelPort,
          'PRAESIDIUM_SAMPLE_MODEL_PORT',
        ),
      );
    }
    if (apps.includes('worker') && apps.includes('governance') && config.jobs.runInGovernance) {
      throw new Error('governance already runs the jobs in this process: start the worker elsewhere');
    }
    if (apps.includes('governance') || apps.includes('gateway') || apps.includes('worker')) {
      ({ deps, database } = await openPlatformDeps(config, closers));
    }
    if (deps && apps.includes('governance')) {
      started.push(
        await listen(await createGovernanceApp(deps), host, governancePort, 'PRAESIDIUM_GOVERNANCE_PORT'),
      );
    }
    if (deps && apps.includes('gateway')) {
      started.push(await listen(await createGatewayApp(deps), host, gatewayPort, 'PRAESIDIUM_GATEWAY_PORT'));
    }
    if (deps && apps.includes('worker')) {
      started.push(await listen(await createWorkerApp(deps), host, workerPort, 'PRAESIDIUM_WORKER_PORT'));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { config, apps, deps, database, stop };
}

async function openPlatformDeps(
  config: PraesidiumConfig,
  closers: (() => Promise<void>)[],
): Promise<{ deps: PlatformDeps; database: AcquiredDatabase }> {
  const keyStore = await KeyStore.openOrCreate(config.dataDir);
  const database = await acquireDatabase({ url: config.database.url, dataDir: config.dataDir });
  closers.push(() => database.release());
  if (config.database.migrateOnStart) await migrate(database);
  const jobs = createJobQueue(config.redisUrl);
  closers.push(() => jobs.close());
  return { deps: { config, keyStore, connection: database.connection, jobs }, database };
}

/**
 * Listens, or stops with what to change: a port already taken (most often by another copy of the
 * platform) names the variable that moves this app elsewhere, not only Node's EADDRINUSE.
 */
async function listen(
  app: INestApplication,
  host: string,
  port: number,
  variable: string,
): Promise<INestApplication> {
  try {
    await app.listen(port, host);
    return app;
  } catch (error) {
    await app.close().catch(() => undefined);
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    const inUse = new Error(
      `${host}:${port} is already in use (another Praesidium running?): set ${variable} to a free port`,
    );
    inUse.name = 'PortInUseError';
    throw inUse;
  }
}
