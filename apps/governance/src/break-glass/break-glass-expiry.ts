import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { BreakGlassGrants, type GrantView } from '@praesidium/access';
import { AuditTrail } from '@praesidium/audit';

const SWEEP_INTERVAL_MS = 30_000;

/**
 * Closes grants whose time box is over and audits `break_glass.expired`: a timer per grant declared
 * here, and a sweep for grants declared elsewhere or before a restart. The gateway never relies on
 * this: it checks the time box itself on every call.
 */
@Injectable()
export class BreakGlassExpiry implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('BreakGlassExpiry');
  private readonly timers = new Set<NodeJS.Timeout>();
  private sweeper: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly grants: BreakGlassGrants,
    private readonly trail: AuditTrail,
  ) {}

  onModuleInit(): void {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
    this.sweep();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.sweeper);
    for (const timer of this.timers) clearTimeout(timer);
    await this.running;
  }

  schedule(grant: GrantView): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        this.sweep();
      },
      Math.max(0, Date.parse(grant.expiresAt) - Date.now()) + 10,
    );
    timer.unref();
    this.timers.add(timer);
  }

  /** Sweeps one after another, so a timer firing during a sweep still gets its own. */
  private sweep(): void {
    this.running = (this.running ?? Promise.resolve()).then(() => this.expire());
  }

  private async expire(): Promise<void> {
    try {
      for (const grant of await this.grants.expireDue()) {
        await this.trail.append({
          action: 'break_glass.expired',
          outcome: 'success',
          agent: { subject: 'system:break-glass-expiry' },
          entity: { breakGlassGrantId: grant.id, policyVersion: grant.policyVersion },
        });
      }
    } catch (error) {
      this.logger.warn(`expiry sweep failed: ${error instanceof Error ? error.name : 'error'}; retrying`);
    }
  }
}
