import pg from 'pg';

export default async function globalTeardown() {
  const name = process.env.PRAESIDIUM_TEST_DATABASE_NAME;
  if (!name || process.env.PRAESIDIUM_TEST_KEEP_DATABASE === 'true') return;
  const admin = new pg.Client({ connectionString: process.env.PRAESIDIUM_TEST_ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
