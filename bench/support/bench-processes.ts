/**
 * The processes the gateway benchmarks (`bench:gateway`, `bench:soak`) run, each forked from this
 * module with its role as argument:
 *   backend   a fixed-answer Open Inference Protocol server (it checks nothing, so the backend costs
 *             the same on every path)
 *   proxy     node:http + an undici pool forwarding every POST to the backend: a bare reverse proxy
 *   platform  Praesidium as `praesidium start` runs it (BENCH_APPS: comma-separated apps, default all)
 * A child answers `{ port }` once it listens; asked `'memory'`, it answers `{ memory }` with its
 * `process.memoryUsage()` taken after a full garbage collection when it runs with `--expose-gc`.
 */
import 'reflect-metadata';
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Pool } from 'undici';
import { loadConfig, type PraesidiumConfig } from '@praesidium/config';
import { dataSourceOptions, openDataSource } from '@praesidium/database';
import { DEMO_PATIENTS, exampleEsiInputs, LUMBAR_ESI_MODEL_NAME, mintDemoToken } from '@praesidium/demo';
import { KeyStore } from '@praesidium/keys';
import { ModelEntity, ModelRegistry, ModelVersionEntity } from '@praesidium/model-registry';
import type { AppName } from '../../apps/cli/src/app-names.js';
import { startPlatform } from '../../apps/cli/src/platform.js';

export type BenchRole = 'backend' | 'proxy' | 'platform';

export const BACKEND_ANSWER = JSON.stringify({
  model_name: LUMBAR_ESI_MODEL_NAME,
  model_version: '1.0.0',
  outputs: [{ name: 'probability_meaningful_relief', shape: [1], datatype: 'FP32', data: [0.61] }],
});

// ---- child roles ----------------------------------------------------------------------------------

async function runBackend(): Promise<number> {
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () =>
      response.writeHead(200, { 'content-type': 'application/json' }).end(BACKEND_ANSWER),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function runProxy(backendUrl: string): Promise<number> {
  const target = new URL(backendUrl);
  const pool = new Pool(target.origin, { connections: 64 });
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      pool
        .request({
          method: 'POST',
          path: target.pathname,
          body: Buffer.concat(chunks),
          headers: { 'content-type': 'application/json' },
        })
        .then(async (answer) => {
          const body = Buffer.from(await answer.body.arrayBuffer());
          response.writeHead(answer.statusCode, { 'content-type': 'application/json' }).end(body);
        })
        .catch(() => response.writeHead(502).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function runPlatform(): Promise<number> {
  const config = loadConfig(process.env);
  const apps = process.env.BENCH_APPS?.split(',') as AppName[] | undefined;
  await startPlatform(config, apps);
  return apps && !apps.includes('gateway') ? config.http.governancePort : config.http.gatewayPort;
}

async function child(role: BenchRole): Promise<void> {
  const port =
    role === 'backend'
      ? await runBackend()
      : role === 'proxy'
        ? await runProxy(process.env.BENCH_BACKEND_URL as string)
        : await runPlatform();
  // Exit normally on SIGTERM, so a CPU profile (if asked for) is written.
  process.once('SIGTERM', () => process.exit(0));
  process.on('message', (message) => {
    if (message !== 'memory') return;
    (globalThis as { gc?: () => void }).gc?.();
    process.send?.({ memory: process.memoryUsage() });
  });
  process.send?.({ port });
}

// ---- the parent's side ----------------------------------------------------------------------------

export interface BenchChild {
  readonly process: ChildProcess;
  readonly port: number;
}

/**
 * Forks this module in a role. BENCH_CPU_PROFILE_DIR: a V8 CPU profile of a platform process, written
 * when it exits; `exposeGc` lets `memoryOf` measure the heap after a full collection.
 */
export function spawnBenchChild(
  role: BenchRole,
  env: Record<string, string>,
  options: { exposeGc?: boolean } = {},
): Promise<BenchChild> {
  const profile = process.env.BENCH_CPU_PROFILE_DIR;
  const handle = fork(fileURLToPath(import.meta.url), [role], {
    env: { ...process.env, ...env },
    execArgv: [
      ...(role === 'platform' && profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []),
      ...(options.exposeGc ? ['--expose-gc'] : []),
    ],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    handle.once('message', (message: { port: number }) => resolve({ process: handle, port: message.port }));
    handle.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
}

/** A child's memory (bytes), after a full garbage collection if it runs with `--expose-gc`. */
export function memoryOf(child: BenchChild): Promise<NodeJS.MemoryUsage> {
  return new Promise((resolve) => {
    const listen = (message: { memory?: NodeJS.MemoryUsage }) => {
      if (!message.memory) return;
      child.process.off('message', listen);
      resolve(message.memory);
    };
    child.process.on('message', listen);
    child.process.send('memory');
  });
}

/** Stops the children (last started first) and waits for them to exit. */
export async function stopBenchChildren(children: readonly ChildProcess[]): Promise<void> {
  for (const handle of [...children].reverse()) handle.kill('SIGTERM');
  await Promise.all(
    children.map(
      (handle) =>
        new Promise((resolve) => (handle.exitCode !== null ? resolve(0) : handle.once('exit', resolve))),
    ),
  );
}

/** Runs one statement on the admin database (create and drop the bench's own database). */
export async function adminStatement(adminUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The platform's environment for a bench: every check on, rate limits above any load it makes. */
export async function benchPlatformEnv(
  dataDir: string,
  databaseUrl: string,
): Promise<Record<string, string>> {
  const [gateway, governance, sampleModel] = await Promise.all([freePort(), freePort(), freePort()]);
  return {
    NODE_ENV: 'test',
    PRAESIDIUM_LOG_LEVEL: 'error',
    PRAESIDIUM_DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    PRAESIDIUM_GATEWAY_PORT: String(gateway),
    PRAESIDIUM_GOVERNANCE_PORT: String(governance),
    PRAESIDIUM_SAMPLE_MODEL_PORT: String(sampleModel),
    PRAESIDIUM_GATEWAY_RATE_LIMIT_PRINCIPAL: '1000000000',
    PRAESIDIUM_GATEWAY_RATE_LIMIT_MODEL: '1000000000',
    PRAESIDIUM_GATEWAY_BACKEND_CONCURRENCY: '256',
  };
}

export interface BenchInference {
  /** The gateway's inference URL of the demo's lumbar ESI model. */
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * Points the demo's lumbar ESI model (seeded by governance) at the bench backend and makes an allowed
 * inference for the gateway: a clinician's token and a consented patient.
 */
export async function prepareInference(
  config: PraesidiumConfig,
  databaseUrl: string,
  backendUrl: string,
): Promise<BenchInference> {
  const dataSource = await openDataSource(
    dataSourceOptions({ kind: 'server', url: databaseUrl }, [ModelEntity, ModelVersionEntity], 1),
  );
  try {
    const registry = new ModelRegistry(
      dataSource.getRepository(ModelEntity),
      dataSource.getRepository(ModelVersionEntity),
    );
    await registry.relocateBackend(LUMBAR_ESI_MODEL_NAME, '1.0.0', backendUrl);
  } finally {
    await dataSource.destroy();
  }
  const token = await mintDemoToken(await KeyStore.openOrCreate(config.dataDir), config, 'pain-clinician');
  return {
    url: `${config.http.gatewayUrl}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      parameters: { patient: DEMO_PATIENTS.consented, purpose_of_use: 'TREAT' },
      inputs: exampleEsiInputs(),
    }),
  };
}

export const backendInferUrl = (port: number) =>
  `http://127.0.0.1:${port}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer`;

const role = process.argv[1] === fileURLToPath(import.meta.url) ? (process.argv[2] as BenchRole) : undefined;
if (role) {
  child(role).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
