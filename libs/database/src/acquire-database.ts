import { EmbeddedPostgres, findRunningEmbedded, type PostgresConnection } from './embedded-postgres.js';

export interface AcquiredDatabase {
  readonly connection: PostgresConnection;
  /** `server`: DATABASE_URL; `owner`: this process serves the embedded database; `shared`: another does. */
  readonly mode: 'server' | 'owner' | 'shared';
  release(): Promise<void>;
}

/**
 * The database a process should use: DATABASE_URL when set; otherwise the embedded database, served
 * by this process unless another live process of the same data directory already serves it (the CLI
 * beside a running `npm start`).
 */
export async function acquireDatabase(options: { url?: string; dataDir: string }): Promise<AcquiredDatabase> {
  const noop = async () => undefined;
  if (options.url) return { connection: { kind: 'server', url: options.url }, mode: 'server', release: noop };
  const running = await findRunningEmbedded(options.dataDir);
  if (running) return { connection: running, mode: 'shared', release: noop };
  const host = await EmbeddedPostgres.start(options.dataDir);
  return { connection: host.connection, mode: 'owner', release: () => host.stop() };
}
