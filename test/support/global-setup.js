// Creates one fresh PostgreSQL database for this test run; workers inherit its URL. Migrations run once
// here, into a template database and an embedded PGlite data directory that tests copy instead of
// migrating their own (test/support/databases.ts): a fresh PGlite alone costs seconds of CPU.
import { existsSync } from 'node:fs';
import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';

const DATABASE_LIB = fileURLToPath(new URL('../../dist/libs/database/src/index.js', import.meta.url));

export default async function globalSetup() {
  const base =
    process.env.PRAESIDIUM_TEST_POSTGRES_URL ??
    process.env.DATABASE_URL ??
    'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `praesidium_test_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: base });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `The tests need PostgreSQL (${new URL(base).host}): ${error.message}. Start it, or set PRAESIDIUM_TEST_POSTGRES_URL.`,
      { cause: error },
    );
  }
  const urlOf = (database) => {
    const url = new URL(base);
    url.pathname = `/${database}`;
    return url.toString();
  };
  process.env.PRAESIDIUM_TEST_ADMIN_URL = base;
  process.env.PRAESIDIUM_TEST_DATABASE_NAME = name;
  process.env.PRAESIDIUM_TEST_REDIS_URL ??= process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  try {
    // `npm test` builds dist/ first; a run of Jest without it migrates in each test instead.
    if (!existsSync(DATABASE_LIB)) {
      await admin.query(`CREATE DATABASE ${name}`);
      process.env.PRAESIDIUM_TEST_DATABASE_URL = urlOf(name);
      return;
    }
    const database = await import(pathToFileURL(DATABASE_LIB).href);
    const template = `${name}_template`;
    await admin.query(`CREATE DATABASE ${template}`);
    // The global teardown drops it with the run's other databases.
    process.env.PRAESIDIUM_TEST_TEMPLATE_DATABASE = template;
    const [, pglite] = await Promise.all([
      migrate(database, { kind: 'server', url: urlOf(template) }),
      pgliteTemplates(database),
    ]);
    process.env.PRAESIDIUM_TEST_PGLITE_TEMPLATE = pglite.migrated;
    process.env.PRAESIDIUM_TEST_PGLITE_EMPTY_TEMPLATE = pglite.empty;
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
    process.env.PRAESIDIUM_TEST_DATABASE_URL = urlOf(name);
  } finally {
    await admin.end();
  }
}

async function migrate(database, connection) {
  const dataSource = await database.openDataSource(database.dataSourceOptions(connection, [], 2));
  try {
    await database.runMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

/**
 * Embedded data directories as PGlite leaves them, stopped cleanly so that a copy starts as they would:
 * `empty` just made (PGlite's initdb), `migrated` with every migration applied.
 */
async function pgliteTemplates(database) {
  const dir = await mkdtemp(path.join(tmpdir(), 'praesidium-pglite-template-'));
  const migrated = path.join(dir, 'migrated');
  await (await database.EmbeddedPostgres.start(migrated)).stop();
  const empty = path.join(dir, 'empty', 'pgdata');
  await cp(path.join(migrated, 'pgdata'), empty, { recursive: true });
  const host = await database.EmbeddedPostgres.start(migrated);
  try {
    await migrate(database, host.connection);
  } finally {
    await host.stop();
  }
  return { migrated: path.join(migrated, 'pgdata'), empty };
}
