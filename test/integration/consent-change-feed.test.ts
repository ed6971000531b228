import { randomUUID } from 'node:crypto';
import net from 'node:net';
import pg from 'pg';
import {
  CONSENT_CHANNEL,
  CONSENT_FEED_APPLICATION_NAME,
  ConsentCache,
  ConsentChangeFeed,
  type ConsentRecord,
} from '@praesidium/consent';
import { openPostgres, postgresConnection, type TestDatabase } from '../support/databases.js';

/** What another process does when it revokes: a new version and a NOTIFY, in one transaction. */
async function revokeElsewhere(url: string, consentId: string, pseudonym: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO consent.consent_version (consent_id, version, patient_pseudonym, status, scope, date_time,
         provision, resource, change, recorded_by)
       VALUES ($1, 2, $2, 'inactive', 'treatment', now(), '{"type":"permit"}', '{}', 'revoked', 'elsewhere')`,
      [consentId, pseudonym],
    );
    await client.query('SELECT pg_notify($1, $2)', [CONSENT_CHANNEL, pseudonym]);
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
}

/**
 * A TCP relay to PostgreSQL that can go silent: its connections stay open but carry nothing more, as
 * when a firewall or NAT drops a flow, or a failover leaves a half-open socket behind. New connections
 * are relayed again.
 */
async function silenceableRelay(
  url: string,
): Promise<{ url: string; silence(): void; close(): Promise<void> }> {
  const target = new URL(url);
  const sockets = new Set<net.Socket>();
  const silenced = new WeakSet<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ]) {
      sockets.add(from);
      from.on('data', (chunk: Buffer) => {
        if (!silenced.has(client)) to.write(chunk);
      });
      from.on('error', () => to.destroy());
      from.on('close', () => (sockets.delete(from), to.destroy()));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const relayed = new URL(url);
  relayed.hostname = '127.0.0.1';
  relayed.port = String((server.address() as net.AddressInfo).port);
  return {
    url: relayed.toString(),
    silence: () => sockets.forEach((socket) => silenced.add(socket)),
    close: async () => {
      sockets.forEach((socket) => socket.destroy());
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function waitFor(condition: () => Promise<boolean>, attempts = 100): Promise<boolean> {
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return false;
}

describe('the consent cache and its change feed on PostgreSQL', () => {
  let db: TestDatabase;
  let url: string;

  beforeAll(async () => {
    db = await openPostgres();
    const connection = postgresConnection();
    url = connection.kind === 'server' ? connection.url : '';
  });
  afterAll(async () => {
    await db?.close();
  });

  async function latest(pseudonym: string): Promise<ConsentRecord[]> {
    const rows: { consent_id: string; version: number; status: ConsentRecord['status']; date_time: Date }[] =
      await db.dataSource.query(
        `SELECT DISTINCT ON (consent_id) consent_id, version, status, date_time FROM consent.consent_version
          WHERE patient_pseudonym = $1 ORDER BY consent_id, version DESC`,
        [pseudonym],
      );
    return rows.map((row) => ({
      consentId: row.consent_id,
      version: row.version,
      status: row.status,
      dateTime: row.date_time,
      provision: { type: 'permit' },
    }));
  }

  /** A permitting consent written without a notification, as nothing in this platform would. */
  async function recordSilently(consentId: string, pseudonym: string): Promise<void> {
    await db.dataSource.query(
      `INSERT INTO consent.consent_version (consent_id, version, patient_pseudonym, status, scope, date_time,
         provision, resource, change, recorded_by)
       VALUES ($1, 1, $2, 'active', 'treatment', now(), '{"type":"permit"}', '{}', 'recorded', 'test')`,
      [consentId, pseudonym],
    );
  }

  it('serves a patient from the cache until another process announces a change, then reads it afresh', async () => {
    const cache = new ConsentCache(60_000, { enabled: false });
    const feed = new ConsentChangeFeed(cache, { connectionString: url });
    await feed.start();
    try {
      expect(feed.isListening).toBe(true);
      const pseudonym = `p-${randomUUID()}`;
      const consentId = randomUUID();
      await recordSilently(consentId, pseudonym);
      const load = () => cache.getOrLoad(pseudonym, () => latest(pseudonym));
      expect((await load()).map((r) => r.status)).toEqual(['active']);

      // A row written without a notification stays unseen: the cache really serves the patient.
      const other = randomUUID();
      await recordSilently(other, pseudonym);
      expect(await load()).toHaveLength(1);

      await revokeElsewhere(url, consentId, pseudonym);
      const seen = await waitFor(async () => (await load()).some((r) => r.status === 'inactive'));
      expect(seen).toBe(true);
      expect(await load()).toHaveLength(2);
    } finally {
      await feed.stop();
    }
  });

  it('turns the cache off while the feed is disconnected, and on again once it is back', async () => {
    const cache = new ConsentCache(60_000, { enabled: false });
    const feed = new ConsentChangeFeed(cache, { connectionString: url });
    await feed.start();
    try {
      const pseudonym = `p-${randomUUID()}`;
      let loads = 0;
      const load = () => cache.getOrLoad(pseudonym, async () => ((loads += 1), []));
      await load();
      await load();
      expect(loads).toBe(1);
      // Cut the feed's connection from the server side, as a failover or network fault would.
      await db.dataSource.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = '${CONSENT_FEED_APPLICATION_NAME}'`,
      );
      expect(await waitFor(async () => !feed.isListening)).toBe(true);
      await load();
      expect(loads).toBe(2);
      expect(await waitFor(async () => feed.isListening, 300)).toBe(true);
      await load();
      await load();
      expect(loads).toBe(3);
    } finally {
      await feed.stop();
    }
  });

  it('stops serving from the cache within a second when its connection goes silent without closing', async () => {
    const relay = await silenceableRelay(url);
    const cache = new ConsentCache(60_000, { enabled: false });
    const feed = new ConsentChangeFeed(cache, { connectionString: relay.url });
    await feed.start();
    try {
      const pseudonym = `p-${randomUUID()}`;
      const consentId = randomUUID();
      await recordSilently(consentId, pseudonym);
      let loads = 0;
      const load = () => cache.getOrLoad(pseudonym, () => ((loads += 1), latest(pseudonym)));
      // Served from memory once the feed vouches for it.
      const servedFromMemory = async () => {
        const before = loads;
        await load();
        return loads === before;
      };
      expect(await waitFor(servedFromMemory)).toBe(true);

      relay.silence();
      const revokedAt = Date.now();
      await revokeElsewhere(url, consentId, pseudonym);
      // The notification never arrives: the cache must stop trusting itself within the bound.
      expect(await waitFor(async () => (await load()).some((r) => r.status === 'inactive'), 300)).toBe(true);
      const seenAfterMs = Date.now() - revokedAt;
      console.log(JSON.stringify({ silentFeedRevocationSeenAfterMs: seenAfterMs }));
      expect(seenAfterMs).toBeLessThan(1_500);
    } finally {
      await feed.stop();
      await relay.close();
    }
  });
});
