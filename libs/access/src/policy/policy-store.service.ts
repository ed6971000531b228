import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { ProblemError } from '@praesidium/problem';
import type { AppAbility } from '../ability.js';
import type { Principal } from '../principal.js';
import { AbilityCache, type ActivePolicy } from './ability-cache.js';
import { policyActivations, POLICY_CHANNEL } from './policy-bus.js';
import { parsePolicyDocument } from './policy-document.js';

const RECONNECT_MS = 5000;
/** Without LISTEN (a process sharing another's embedded database), the active version is polled. */
const POLL_MS = 15_000;
/** After a reload the database did not answer, the next attempt. */
const RETRY_MS = 1000;

/**
 * The access policy in force in this process, and the abilities built from it. Loaded at start,
 * reloaded when a version is activated: by an in-process event (one-process deployments) and by
 * PostgreSQL LISTEN on `praesidium_policy` (one process per app). Without a policy nothing is allowed.
 */
@Injectable()
export class PolicyStore implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('PolicyStore');
  private readonly cache = new AbilityCache();
  private current: ActivePolicy | undefined;
  /**
   * Set when this process was told of an activation it could not read: the version in force here is
   * known to be superseded, so it is not enforced (fail closed) until the reload succeeds.
   */
  private superseded = false;
  private loading: Promise<void> | undefined;
  private listener: pg.Client | undefined;
  private reconnect: NodeJS.Timeout | undefined;
  private poller: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly onActivated = (version: number) => void this.refresh(version);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    policyActivations.on('activated', this.onActivated);
    await this.refresh();
    await this.listen();
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    policyActivations.off('activated', this.onActivated);
    clearTimeout(this.reconnect);
    clearInterval(this.poller);
    clearTimeout(this.retry);
    await this.listener?.end().catch(() => undefined);
  }

  /**
   * The version in force; `policy.unavailable` (fail closed) when none could be loaded, or when a
   * newer activation could not be read yet.
   */
  active(): ActivePolicy {
    if (!this.current || this.superseded) throw new ProblemError('policy.unavailable');
    return this.current;
  }

  /** The version in force, or undefined before one is loaded (for audit records of early refusals). */
  activeVersion(): number | undefined {
    return this.current?.version;
  }

  /** The principal's ability under the policy in force: built once, then a cache lookup. */
  abilityFor(principal: Principal): AppAbility {
    return this.authorize(principal).ability;
  }

  /** The ability and the version it comes from, taken together (what an audit record names). */
  authorize(principal: Principal): { readonly version: number; readonly ability: AppAbility } {
    const policy = this.active();
    return { version: policy.version, ability: this.cache.abilityFor(policy, principal) };
  }

  /**
   * Loads the latest activated version (by activation, not by number), unless this process already
   * runs `knownVersion`. Reloads run one after another, so a later one always reads what an earlier
   * one read, or newer.
   */
  refresh(knownVersion?: number): Promise<void> {
    const loaded = (this.loading ?? Promise.resolve()).then(() => this.load(knownVersion));
    this.loading = loaded.catch(() => undefined);
    return loaded;
  }

  private async load(knownVersion: number | undefined): Promise<void> {
    if (knownVersion !== undefined && this.current?.version === knownVersion && !this.superseded) return;
    let rows: { version: number; document: unknown }[];
    try {
      rows = await this.dataSource.query(
        `SELECT v.version, v.document FROM access.policy_activation a
           JOIN access.policy_version v ON v.version = a.version
          ORDER BY a.activated_at DESC, a.version DESC LIMIT 1`,
      );
    } catch (error) {
      // A notice of another version proves ours superseded: enforcing it until some later notice
      // (there may be none) would keep a revoked permission alive. Refuse, and try again shortly.
      if (knownVersion !== undefined && knownVersion !== this.current?.version) this.superseded = true;
      this.logger.error(
        `access policy reload failed (${error instanceof Error ? error.message.slice(0, 120) : 'error'}); ` +
          (this.superseded
            ? 'refusing until it succeeds'
            : `version ${this.current?.version ?? 'none'} stays in force`),
      );
      this.retryLater();
      return;
    }
    this.superseded = false;
    if (rows.length === 0) return;
    const { version, document } = rows[0];
    if (this.current?.version === version) return;
    try {
      // Stored documents were validated when proposed; parsing again guards against a hand-edited row.
      this.current = { version, document: parsePolicyDocument(document) };
    } catch {
      this.logger.error(
        `access policy version ${version} does not parse; version ${this.current?.version ?? 'none'} stays in force`,
      );
      return;
    }
    this.cache.clear();
    this.logger.log(`access policy version ${version} in force`);
  }

  private retryLater(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.refresh();
    }, RETRY_MS);
    this.retry.unref();
  }

  /**
   * LISTEN needs a session of its own: on a PostgreSQL server. The embedded database multiplexes one
   * session, so there the version is polled (and apps sharing this process hear of it at once).
   */
  private async listen(): Promise<void> {
    const url = (this.dataSource.options as { url?: string }).url;
    if (this.closed) return;
    if (!url) {
      this.poller ??= setInterval(() => void this.refresh(), POLL_MS);
      this.poller.unref();
      return;
    }
    const client = new pg.Client({ connectionString: url });
    const retry = () => {
      if (this.closed || this.reconnect) return;
      void client.end().catch(() => undefined);
      this.reconnect = setTimeout(() => {
        this.reconnect = undefined;
        // A notification may have been missed while disconnected: listening again reloads.
        void this.listen();
      }, RECONNECT_MS);
      this.reconnect.unref();
    };
    client.on('error', retry);
    client.on('end', retry);
    client.on('notification', (message) => {
      const version = Number(message.payload);
      void this.refresh(Number.isInteger(version) ? version : undefined);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${POLICY_CHANNEL}`);
      this.listener = client;
      // An activation committed after the last load but before LISTEN sent no notice we heard: reload.
      await this.refresh();
    } catch {
      this.logger.warn('cannot LISTEN for policy changes; retrying');
      retry();
    }
  }
}
