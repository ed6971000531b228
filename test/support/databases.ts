import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import {
  EmbeddedPostgres,
  dataSourceOptions,
  openDataSource,
  runMigrations,
  type PostgresConnection,
} from '@praesidium/database';

const run = promisify(execFile);

/** The run's PostgreSQL database (made by the global setup). */
export function postgresConnection(): PostgresConnection {
  const url = process.env.PRAESIDIUM_TEST_DATABASE_URL;
  if (!url) throw new Error('PRAESIDIUM_TEST_DATABASE_URL is unset: run the tests through `npm test`');
  return { kind: 'server', url };
}

export interface TestDatabase {
  readonly kind: 'postgres' | 'pglite';
  readonly connection: PostgresConnection;
  readonly dataSource: DataSource;
  close(): Promise<void>;
}

/**
 * Real PostgreSQL with migrations applied (idempotent, serialized by the migration lock): the run's
 * database, or with `fresh` an empty database of its own that every migration runs on here.
 */
export async function openPostgres(
  entities: DataSourceEntities = [],
  options: { fresh?: boolean } = {},
): Promise<TestDatabase> {
  if (options.fresh) return openIsolated(entities, await createIsolatedDatabase());
  const connection = postgresConnection();
  const dataSource = await openDataSource(dataSourceOptions(connection, entities, 4));
  await runMigrations(dataSource);
  return { kind: 'postgres', connection, dataSource, close: () => dataSource.destroy() };
}

/**
 * A database of its own on the run's PostgreSQL server; `drop()` removes it. Empty, or with `migrated`
 * a copy of the run's template that the global setup migrated (its callers still run migrations, which
 * then have nothing to do; without a template, as in a run of Jest without a build, they do it all).
 */
export async function createIsolatedDatabase(
  options: { migrated?: boolean } = {},
): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = process.env.PRAESIDIUM_TEST_ADMIN_URL;
  if (!admin) throw new Error('PRAESIDIUM_TEST_ADMIN_URL is unset: run the tests through `npm test`');
  const name = `${process.env.PRAESIDIUM_TEST_DATABASE_NAME}_${Math.random().toString(36).slice(2, 10)}`;
  const template = options.migrated ? process.env.PRAESIDIUM_TEST_TEMPLATE_DATABASE : undefined;
  await adminQuery(admin, `CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => adminQuery(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/**
 * A PostgreSQL database of the test's own, for tests that tamper with what they store: nobody else's
 * verification may see their damage. Dropped by `close()`.
 */
export async function openIsolatedPostgres(entities: DataSourceEntities = []): Promise<TestDatabase> {
  return openIsolated(entities, await createIsolatedDatabase({ migrated: true }));
}

async function openIsolated(
  entities: DataSourceEntities,
  database: Awaited<ReturnType<typeof createIsolatedDatabase>>,
): Promise<TestDatabase> {
  const connection: PostgresConnection = { kind: 'server', url: database.url };
  const dataSource = await openDataSource(dataSourceOptions(connection, entities, 4));
  await runMigrations(dataSource);
  return {
    kind: 'postgres',
    connection,
    dataSource,
    async close() {
      await dataSource.destroy();
      await database.drop();
    },
  };
}

async function adminQuery(adminUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * A fresh embedded PGlite served over its socket, exactly as `npm start` runs it. Its data directory is
 * a copy of the one the global setup migrated (a first start's initdb costs seconds of CPU), or with
 * `fresh` of one just made by PGlite, so that every migration runs here, as on a first `npm start`.
 */
export async function openPglite(
  entities: DataSourceEntities = [],
  options: { fresh?: boolean } = {},
): Promise<TestDatabase> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'praesidium-pglite-'));
  await copyPgliteTemplate(dataDir, options.fresh ? 'empty' : 'migrated');
  const host = await EmbeddedPostgres.start(dataDir);
  const dataSource = await openDataSource(dataSourceOptions(host.connection, entities, 4));
  await runMigrations(dataSource);
  return {
    kind: 'pglite',
    connection: host.connection,
    dataSource,
    async close() {
      await dataSource.destroy();
      await host.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Puts a copy of one of the run's embedded databases into `dataDir` (which must hold none): `migrated`
 * (every migration applied, nothing else) or `empty` (as PGlite makes it), so that the platform or
 * PGlite starting there finds it as after an earlier start. Does nothing when the run has no templates
 * (Jest run without a build): the start then makes the database itself.
 */
export async function copyPgliteTemplate(
  dataDir: string,
  which: 'migrated' | 'empty' = 'migrated',
): Promise<void> {
  const template =
    which === 'migrated'
      ? process.env.PRAESIDIUM_TEST_PGLITE_TEMPLATE
      : process.env.PRAESIDIUM_TEST_PGLITE_EMPTY_TEMPLATE;
  if (!template) return;
  // cp(1) copies PGlite's thousand small files several times faster than fs.cp.
  await run('cp', ['-R', template, path.join(dataDir, 'pgdata')]);
}

type DataSourceEntities = Parameters<typeof dataSourceOptions>[1];

/** Both kinds, for tests that must hold on each. */
export const DATABASES = [
  ['PostgreSQL', openPostgres],
  ['embedded PGlite', openPglite],
] as const;

/**
 * Runs `work` against an empty database of the kind (an isolated PostgreSQL database, or an embedded
 * PGlite copied from the empty template), removed afterwards: for migration tests that build the
 * state before a migration themselves.
 */
export async function onEmptyDatabase(
  kind: TestDatabase['kind'],
  work: (connection: PostgresConnection) => Promise<void>,
): Promise<void> {
  if (kind === 'postgres') {
    const database = await createIsolatedDatabase();
    try {
      await work({ kind: 'server', url: database.url });
    } finally {
      await database.drop();
    }
    return;
  }
  const dataDir = await mkdtemp(path.join(tmpdir(), 'praesidium-pglite-'));
  await copyPgliteTemplate(dataDir, 'empty');
  const host = await EmbeddedPostgres.start(dataDir);
  try {
    await work(host.connection);
  } finally {
    await host.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
