import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { ConsentCache } from './consent-cache.js';

/** The PostgreSQL NOTIFY channel of consent changes; the payload is the patient's pseudonym. */
export const CONSENT_CHANNEL = 'praesidium_consent';

/** Consent changes committed by this process, for every cache in it (apps of one process share it). */
const localChanges = new EventEmitter().setMaxListeners(0);

export function announceLocalConsentChange(pseudonym: string): void {
  localChanges.emit('change', pseudonym);
}

/**
 * How late, at most, a change committed by another process reaches this process's decisions (README:
 * a revocation takes effect on every instance within one second).
 */
export const CONSENT_STALENESS_BOUND_MS = 1_000;
/** How often the feed proves it still hears; several probes fit in the bound. */
const PROBE_EVERY_MS = 250;
/** A connection whose probes go unanswered this long is given up and opened again. */
const PROBE_GIVEN_UP_MS = 5_000;
const RECONNECT_MS = 250;
/** How the feed's connection shows in pg_stat_activity (`application_name`). */
export const CONSENT_FEED_APPLICATION_NAME = 'praesidium-consent-feed';

/**
 * Keeps a consent cache true to the store. Changes made in this process reach it at once; changes made
 * by other processes arrive by LISTEN on `praesidium_consent` over a connection of its own (PostgreSQL
 * delivers a NOTIFY when its transaction commits). If that connection is lost, the cache is turned off
 * until it is back, so a revocation can never be missed.
 *
 * A connection can also fall silent without closing (a firewall or NAT dropping the flow, a failover
 * leaving a half-open socket, a pooler that does not keep LISTEN): every 250 ms the feed notifies a
 * channel of its own on it and, on hearing that probe back, lets the cache serve until one second after
 * the probe was sent. PostgreSQL delivers notifications in commit order, so hearing the probe means
 * every change committed before it was heard; without it the cache falls silent within the bound.
 *
 * The embedded database cannot pass notifications between its clients: there `listenTo` is undefined
 * and the cache's short lifetime bounds how late a change made by another process (the CLI) is seen.
 */
export class ConsentChangeFeed {
  private client: pg.Client | undefined;
  private reconnect: NodeJS.Timeout | undefined;
  private prober: NodeJS.Timeout | undefined;
  /** When the latest probe heard back was sent. */
  private heardProbeSentAt = 0;
  private firstHeard: (() => void) | undefined;
  private readonly probeChannel = `${CONSENT_CHANNEL}_probe_${randomBytes(8).toString('hex')}`;
  private stopped = false;
  private readonly onLocal = (pseudonym: string) => this.cache.invalidate(pseudonym);

  constructor(
    private readonly cache: ConsentCache,
    private readonly listenTo: pg.ClientConfig | undefined,
  ) {}

  async start(): Promise<void> {
    localChanges.on('change', this.onLocal);
    if (this.listenTo) await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    localChanges.off('change', this.onLocal);
    clearTimeout(this.reconnect);
    clearInterval(this.prober);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** True while changes of other processes reach this cache (always true on the embedded database). */
  get isListening(): boolean {
    return this.listenTo === undefined || (this.client !== undefined && this.cache.isServing);
  }

  private async connect(): Promise<void> {
    this.cache.setEnabled(false);
    const client = new pg.Client({
      ...this.listenTo,
      application_name: CONSENT_FEED_APPLICATION_NAME,
      keepAlive: true,
      connectionTimeoutMillis: PROBE_GIVEN_UP_MS,
    });
    client.on('notification', (message) => this.heard(client, message));
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${CONSENT_CHANNEL}`);
      await client.query(`LISTEN ${this.probeChannel}`);
    } catch {
      this.lost(client);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.heardProbeSentAt = Date.now();
    this.probe(client);
    this.prober = setInterval(() => this.probe(client), PROBE_EVERY_MS);
    this.prober.unref();
    // Started once the first probe is heard (or given up on), so a fresh process serves from its cache.
    await new Promise<void>((resolve) => {
      this.firstHeard = resolve;
      setTimeout(resolve, PROBE_GIVEN_UP_MS).unref();
    });
  }

  private heard(client: pg.Client, message: pg.Notification): void {
    if (message.channel === CONSENT_CHANNEL && message.payload) this.cache.invalidate(message.payload);
    if (message.channel !== this.probeChannel || client !== this.client) return;
    const sentAt = Number(message.payload);
    this.heardProbeSentAt = Math.max(this.heardProbeSentAt, sentAt);
    this.cache.vouchUntil(sentAt + CONSENT_STALENESS_BOUND_MS);
    this.firstHeard?.();
    this.firstHeard = undefined;
  }

  /** Sends a probe, unless the connection has stayed silent too long: then it is opened again. */
  private probe(client: pg.Client): void {
    if (client !== this.client) return;
    const now = Date.now();
    if (now - this.heardProbeSentAt > PROBE_GIVEN_UP_MS) {
      this.lost(client);
      return;
    }
    client.query('SELECT pg_notify($1, $2)', [this.probeChannel, String(now)]).catch(() => this.lost(client));
  }

  private lost(client: pg.Client): void {
    if (this.client === client) {
      this.client = undefined;
      clearInterval(this.prober);
    }
    this.cache.setEnabled(false);
    void client.end().catch(() => undefined);
    if (this.stopped || this.reconnect) return;
    this.reconnect = setTimeout(() => {
      this.reconnect = undefined;
      if (!this.stopped) void this.connect();
    }, RECONNECT_MS);
    this.reconnect.unref();
  }
}
