import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import {
  EmbeddedPostgres,
  dataSourceOptions,
  openDataSource,
  runMigrations,
  type PostgresConnection,
} from '@praesidium/database';

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

/** Real PostgreSQL with migrations applied (idempotent, serialized by the migration lock). */
export async function openPostgres(entities: DataSourceEntities = []): Promise<TestDatabase> {
  const connection = postgresConnection();
  const dataSource = await openDataSource(dataSourceOptions(connection, entities, 4));
  await runMigrations(dataSource);
  return { kind: 'postgres', connection, dataSource, close: () => dataSource.destroy() };
}

/** A database of its own on the run's PostgreSQL server; `drop()` removes it. */
export async function createIsolatedDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = process.env.PRAESIDIUM_TEST_ADMIN_URL;
  if (!admin) throw new Error('PRAESIDIUM_TEST_ADMIN_URL is unset: run the tests through `npm test`');
  const name = `${process.env.PRAESIDIUM_TEST_DATABASE_NAME}_${Math.random().toString(36).slice(2, 10)}`;
  await adminQuery(admin, `CREATE DATABASE ${name}`);
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
  const database = await createIsolatedDatabase();
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

/** A fresh embedded PGlite served over its socket, exactly as `npm start` runs it. */
export async function openPglite(entities: DataSourceEntities = []): Promise<TestDatabase> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'praesidium-pglite-'));
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

type DataSourceEntities = Parameters<typeof dataSourceOptions>[1];

/** Both kinds, for tests that must hold on each. */
export const DATABASES = [
  ['PostgreSQL', openPostgres],
  ['embedded PGlite', openPglite],
] as const;
