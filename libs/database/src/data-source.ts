import { DataSource, type DataSourceOptions, type MixedList, type EntitySchema } from 'typeorm';
import type { PostgresConnection } from './embedded-postgres.js';
import { MIGRATIONS } from './migrations/index.js';

// Any id of ours: serializes migrations across processes that start together on one server.
const MIGRATION_LOCK_ID = 7_235_001;

/** TypeORM options for either kind of PostgreSQL; the same migrations run on both. */
export function dataSourceOptions(
  connection: PostgresConnection,
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own entity list type
  entities: MixedList<Function | string | EntitySchema> = [],
  poolSize = 10,
): DataSourceOptions {
  const target =
    connection.kind === 'server'
      ? { url: connection.url }
      : { host: connection.socketDir, port: 5432, username: 'postgres', database: 'postgres' };
  return {
    type: 'postgres',
    ...target,
    entities,
    migrations: MIGRATIONS,
    migrationsTableName: 'praesidium_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    installExtensions: false,
    uuidExtension: 'pgcrypto',
    logging: false,
    // The embedded socket multiplexes one PGlite session: a few connections are plenty there.
    extra: {
      max: connection.kind === 'embedded' ? Math.min(poolSize, 4) : poolSize,
      connectionTimeoutMillis: 5000,
    },
  };
}

/** Applies pending migrations, holding an advisory lock so two processes never migrate at once. */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    await runner.release();
  }
}

export async function openDataSource(options: DataSourceOptions): Promise<DataSource> {
  const dataSource = new DataSource(options);
  await dataSource.initialize();
  return dataSource;
}
