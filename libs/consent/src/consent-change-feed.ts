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

const RECONNECT_MS = 250;

/**
 * Keeps a consent cache true to the store. Changes made in this process reach it at once; changes made
 * by other processes arrive by LISTEN on `praesidium_consent` over a connection of its own (PostgreSQL
 * delivers a NOTIFY when its transaction commits). If that connection is lost, the cache is turned off
 * until it is back, so a revocation can never be missed. The embedded database cannot pass
 * notifications between its clients: there `listenTo` is undefined and the cache's short lifetime
 * bounds how late a change made by another process (the CLI) is seen.
 */
export class ConsentChangeFeed {
  private client: pg.Client | undefined;
  private reconnect: NodeJS.Timeout | undefined;
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
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** True while changes of other processes reach this cache (always true on the embedded database). */
  get isListening(): boolean {
    return this.listenTo === undefined || this.client !== undefined;
  }

  private async connect(): Promise<void> {
    this.cache.setEnabled(false);
    const client = new pg.Client(this.listenTo);
    client.on('notification', (message) => {
      if (message.channel === CONSENT_CHANNEL && message.payload) this.cache.invalidate(message.payload);
    });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${CONSENT_CHANNEL}`);
    } catch {
      this.lost(client);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.cache.setEnabled(true);
  }

  private lost(client: pg.Client): void {
    if (this.client === client) this.client = undefined;
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
