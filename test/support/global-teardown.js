import { rm } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';

export default async function globalTeardown() {
  const name = process.env.PRAESIDIUM_TEST_DATABASE_NAME;
  if (!name || process.env.PRAESIDIUM_TEST_KEEP_DATABASE === 'true') return;
  const admin = new pg.Client({ connectionString: process.env.PRAESIDIUM_TEST_ADMIN_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  const template = process.env.PRAESIDIUM_TEST_TEMPLATE_DATABASE;
  if (template) await admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
  await admin.end();
  // <dir>/migrated/pgdata and <dir>/empty/pgdata (test/support/global-setup.js).
  const pgliteTemplate = process.env.PRAESIDIUM_TEST_PGLITE_TEMPLATE;
  if (pgliteTemplate) await rm(path.resolve(pgliteTemplate, '../..'), { recursive: true, force: true });
}
