import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { CONFIG, type PraesidiumConfig } from '@praesidium/config';
import type { Identity } from '../identity.js';
import type { Principal } from '../principal.js';
import { PrincipalSuspendedError } from './principal-suspension.js';
import { suspensionChanges } from './suspension-bus.js';
import { SuspensionList, type SuspensionChange } from './suspension-list.js';

/**
 * The suspended people as this process enforces them: read from `access.principal_suspension` at
 * most every `PRAESIDIUM_AUTH_SUSPENSIONS_REFRESH_MS` (500 ms), and at once for a change made in this
 * process. The token verifier asks it about every verified caller, so a check is a set lookup, never
 * a database read of its own.
 */
@Injectable()
export class ActiveSuspensions implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ActiveSuspensions');
  private readonly list: SuspensionList;
  private readonly onChanged = (change: SuspensionChange) => this.list.apply(change);

  constructor(@InjectDataSource() dataSource: DataSource, @Inject(CONFIG) config: PraesidiumConfig) {
    this.list = new SuspensionList(() => readActive(dataSource), {
      refreshMs: config.auth.suspensionsRefreshMs,
      onReadFailed: (error) =>
        this.logger.warn(
          `the suspended people cannot be read (${error instanceof Error ? error.name : 'error'}); ` +
            'callers are refused once the list in hand is a second old',
        ),
    });
  }

  onModuleInit(): void {
    suspensionChanges.on('changed', this.onChanged);
  }

  onModuleDestroy(): void {
    suspensionChanges.off('changed', this.onChanged);
  }

  /**
   * Lets a verified principal through unless suspended (`access.principal_suspended`, carrying the
   * principal), or unless whether they are cannot be known (`access.suspensions_unavailable`).
   */
  async admit(principal: Principal): Promise<void> {
    if (await this.list.isSuspended(principal)) throw new PrincipalSuspendedError(principal);
  }
}

/** The active suspensions: what the partial unique index holds. */
async function readActive(dataSource: DataSource): Promise<Identity[]> {
  return dataSource.query(`SELECT issuer, subject FROM access.principal_suspension WHERE lifted_at IS NULL`);
}
