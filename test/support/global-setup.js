// Creates one fresh PostgreSQL database for this test run; workers inherit its URL.
import pg from 'pg';

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
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  process.env.PRAESIDIUM_TEST_DATABASE_URL = url.toString();
  process.env.PRAESIDIUM_TEST_ADMIN_URL = base;
  process.env.PRAESIDIUM_TEST_DATABASE_NAME = name;
  process.env.PRAESIDIUM_TEST_REDIS_URL ??= process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}
