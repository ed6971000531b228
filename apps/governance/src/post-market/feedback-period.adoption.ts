import { Inject, Injectable, Logger } from '@nestjs/common';
import { hostname } from 'node:os';
import { AuditTrail } from '@praesidium/audit';
import { CONFIG, feedbackPeriodName, type PraesidiumConfig } from '@praesidium/config';
import { contentHash } from '@praesidium/digest';
import { FEEDBACK_SCHEDULE_ACTOR, FeedbackPeriodSettings } from '@praesidium/model-registry';

/**
 * Puts this governance process's PRAESIDIUM_FEEDBACK_PERIOD in force in the registry, once: at start,
 * and again before queuing a run if that failed. A change is dated and audited
 * (`post_market.feedback_period_changed`); the periods already recorded keep their grid, and runs
 * queued with the former length (by a process not restarted yet) are refused from then on.
 */
@Injectable()
export class FeedbackPeriodAdoption {
  private readonly logger = new Logger('FeedbackSchedule');
  private adopted: Promise<void> | undefined;

  constructor(
    private readonly settings: FeedbackPeriodSettings,
    private readonly trail: AuditTrail,
    @Inject(CONFIG) private readonly config: PraesidiumConfig,
  ) {}

  /** Resolves once the setting is in force; a failure is tried again on the next call. */
  ensure(): Promise<void> {
    this.adopted ??= this.adopt().catch((error: unknown) => {
      this.adopted = undefined;
      throw error;
    });
    return this.adopted;
  }

  private async adopt(): Promise<void> {
    const length = this.config.feedbackSchedule.period;
    const { adopted, previous } = await this.settings.adopt(length, `governance@${hostname()}`);
    if (!adopted) return;
    const from = adopted.inForceFrom.toISOString();
    this.logger.log(
      `feedback period ${adopted.period} in force from ${from}${previous ? ` (was ${previous.period})` : ''}`,
    );
    await this.trail.append({
      action: 'post_market.feedback_period_changed',
      outcome: 'success',
      agent: { subject: FEEDBACK_SCHEDULE_ACTOR },
      requestSha256: contentHash({
        revision: adopted.revision,
        period: feedbackPeriodName(length),
        inForceFrom: from,
        previous: previous?.period ?? null,
      }),
    });
  }
}
