import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';

/** How a process reaches PostgreSQL: a URL (server) or a Unix-socket directory (embedded). */
export type PostgresConnection =
  | { readonly kind: 'server'; readonly url: string }
  | { readonly kind: 'embedded'; readonly socketDir: string };

const SOCKET_PORT = 5432;
// Unix socket paths are limited to 107 bytes on Linux.
const MAX_SOCKET_PATH = 100;

/**
 * The embedded default: PGlite (PostgreSQL compiled to WASM) persisted under `<dataDir>/pgdata` and
 * served over a Unix socket in `<dataDir>/run` by pglite-socket. Every process, the platform and the
 * CLI alike, then talks to it through `pg`, exactly as it talks to a PostgreSQL server, and the
 * socket's multiplexer keeps each client's transaction whole (PGlite itself has one session).
 * One process owns the database; `<dataDir>/run/embedded.pid` names it.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    private readonly lockFile: string,
    readonly socketDir: string,
  ) {}

  static socketDir(dataDir: string): string {
    return path.join(dataDir, 'run');
  }

  /** Starts PGlite and its socket server, owning the data directory until `stop()`. */
  static async start(dataDir: string): Promise<EmbeddedPostgres> {
    const socketDir = EmbeddedPostgres.socketDir(dataDir);
    const socketPath = path.join(socketDir, `.s.PGSQL.${SOCKET_PORT}`);
    if (socketPath.length > MAX_SOCKET_PATH) {
      throw new Error(
        `PRAESIDIUM_DATA_DIR is too long for a Unix socket path (${socketPath.length} > ${MAX_SOCKET_PATH})`,
      );
    }
    await mkdir(socketDir, { recursive: true, mode: 0o700 });
    const lockFile = path.join(socketDir, 'embedded.pid');
    await takeOwnership(lockFile, socketPath);
    try {
      const db = await PGlite.create(path.join(dataDir, 'pgdata'));
      const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 64 });
      await server.start();
      return new EmbeddedPostgres(db, server, lockFile, socketDir);
    } catch (error) {
      await rm(lockFile, { force: true });
      throw error;
    }
  }

  get connection(): PostgresConnection {
    return { kind: 'embedded', socketDir: this.socketDir };
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
    await rm(this.lockFile, { force: true });
  }
}

/** The embedded database another live process of this data directory serves, if any. */
export async function findRunningEmbedded(dataDir: string): Promise<PostgresConnection | undefined> {
  const socketDir = EmbeddedPostgres.socketDir(dataDir);
  const owner = await readOwner(path.join(socketDir, 'embedded.pid'));
  if (owner === undefined || !isAlive(owner)) return undefined;
  const reachable = await canConnect(path.join(socketDir, `.s.PGSQL.${SOCKET_PORT}`));
  return reachable ? { kind: 'embedded', socketDir } : undefined;
}

async function takeOwnership(lockFile: string, socketPath: string): Promise<void> {
  const owner = await readOwner(lockFile);
  if (owner !== undefined && owner !== process.pid && isAlive(owner)) {
    throw new Error(`the embedded database is already served by process ${owner}`);
  }
  // A stale lock or socket from a process that died; PGlite itself recovers its data directory.
  await rm(lockFile, { force: true });
  await rm(socketPath, { force: true });
  await writeFile(lockFile, String(process.pid), { flag: 'wx', mode: 0o600 });
}

async function readOwner(lockFile: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(lockFile, 'utf8'), 10);
    return Number.isFinite(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function canConnect(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
