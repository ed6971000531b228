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

/**
 * A PostgreSQL database of the test's own, for tests that tamper with what they store: nobody else's
 * verification may see their damage. Dropped by `close()`.
 */
export async function openIsolatedPostgres(entities: DataSourceEntities = []): Promise<TestDatabase> {
  const admin = process.env.PRAESIDIUM_TEST_ADMIN_URL;
  if (!admin) throw new Error('PRAESIDIUM_TEST_ADMIN_URL is unset: run the tests through `npm test`');
  const name = `${process.env.PRAESIDIUM_TEST_DATABASE_NAME}_${Math.random().toString(36).slice(2, 10)}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const connection: PostgresConnection = { kind: 'server', url: url.toString() };
  const dataSource = await openDataSource(dataSourceOptions(connection, entities, 4));
  await runMigrations(dataSource);
  return {
    kind: 'postgres',
    connection,
    dataSource,
    async close() {
      await dataSource.destroy();
      const dropper = new pg.Client({ connectionString: admin });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
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
