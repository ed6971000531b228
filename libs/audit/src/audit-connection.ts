import type pg from 'pg';
import type { EntityManager } from 'typeorm';

/** A pooled connection of TypeORM's own pool, held for one statement or one COPY. */
export interface PooledConnection {
  readonly client: pg.PoolClient;
  /** Back to the pool; with an error, the connection is closed instead of reused. */
  release(error?: unknown): void;
  /** The connection of a transaction under way (the manager's own): its owner begins and ends it. */
  readonly inTransaction: boolean;
}

interface PoolOwner {
  obtainMasterConnection(): Promise<[pg.PoolClient, (error?: unknown) => void]>;
}

/**
 * The audit hot paths talk to `pg` directly on TypeORM's pool: named prepared statements and COPY
 * are not reachable through `manager.query`, and its per-call query runner costs more than the
 * statements do.
 */
export async function acquireConnection(manager: EntityManager): Promise<PooledConnection> {
  const runner = manager.queryRunner;
  if (runner && !runner.isReleased) {
    // A transaction's manager: what is written commits, or not, with that transaction.
    const client = (await runner.connect()) as pg.PoolClient;
    return { client, release: () => undefined, inTransaction: true };
  }
  const [client, release] = await (
    manager.connection.driver as unknown as PoolOwner
  ).obtainMasterConnection();
  // While checked out, nobody else listens to the client: a connection dropped by the server would
  // emit an unhandled 'error' and end the process. The statement under way fails on its own.
  let lost: unknown;
  const onError = (error: unknown) => {
    lost = error;
  };
  client.on('error', onError);
  return {
    client,
    release: (error?: unknown) => {
      client.off('error', onError);
      release(error ?? lost);
    },
    inTransaction: false,
  };
}
