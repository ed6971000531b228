import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { AuditTrail } from '@praesidium/audit';
import { parseFeedbackPeriod } from '@praesidium/config';
import { contentHash } from '@praesidium/digest';
import { JOB_QUEUE, type JobQueue, type JobRequester } from '@praesidium/jobs';
import { FEEDBACK_SCHEDULE_ACTOR, FeedbackSchedule, type RecordedPeriod } from '@praesidium/model-registry';

export const FEEDBACK_SCHEDULE_JOB = 'post-market.feedback-schedule';

/**
 * The schedule's own timer (`system:feedback-schedule`, no issuer: nobody's job to read), or whoever
 * asked for a run now (subject and issuer: theirs to read at `GET /jobs/{id}`); and the period length
 * of the governance process that queued it, as PRAESIDIUM_FEEDBACK_PERIOD spells it. The process that
 * runs the job records with that length, never its own, and only while it is the one in force.
 */
export type FeedbackScheduleRequest = Pick<JobRequester, 'requestedBy'> &
  Partial<JobRequester> & { readonly period: string };

export interface FeedbackScheduleResult {
  readonly recorded: readonly {
    readonly model: string;
    readonly version: string;
    readonly periodStart: string;
    readonly periodEnd: string;
    readonly period: string | null;
    readonly isTransition: boolean;
    readonly observationId: string;
    readonly floorsRevision: number;
    readonly isAlert: boolean;
  }[];
  readonly reaudited: number;
}

/**
 * One run of the clinician-feedback schedule, as a job: in governance on the embedded default, on
 * the workers when they take the jobs from Redis. Runs may overlap across processes; the registry
 * records each period once whichever run gets there first. A worker needs no period setting: a run
 * queued with another length than the one in force fails, `feedback_schedule.period_mismatch`.
 */
@Injectable()
export class FeedbackScheduleJob implements OnModuleInit {
  constructor(
    private readonly schedule: FeedbackSchedule,
    private readonly trail: AuditTrail,
    @Inject(JOB_QUEUE) private readonly jobs: JobQueue,
  ) {}

  onModuleInit(): void {
    this.jobs.register<FeedbackScheduleRequest, FeedbackScheduleResult>(
      FEEDBACK_SCHEDULE_JOB,
      async (job) => {
        // A job queued by an earlier release names no period: refused like any other mismatch.
        const queued = parseFeedbackPeriod((job.data as Partial<FeedbackScheduleRequest>).period);
        const run = await this.schedule.recordDue(new Date(), queued, (recorded) => this.audit(recorded));
        return {
          recorded: run.recorded.map((recorded) => ({
            model: recorded.model,
            version: recorded.version,
            periodStart: recorded.periodStart.toISOString(),
            periodEnd: recorded.periodEnd.toISOString(),
            period: recorded.period,
            isTransition: recorded.isTransition,
            observationId: recorded.observationId,
            floorsRevision: recorded.floorsRevision,
            isAlert: recorded.isAlert,
          })),
          reaudited: run.reaudited,
        };
      },
    );
  }

  /** The same audit record a recording on request leaves, by the schedule: a breach is an alert. */
  private async audit(recorded: RecordedPeriod): Promise<void> {
    await this.trail.append({
      action: recorded.isAlert ? 'model_version.performance_alert' : 'model_version.performance_recorded',
      outcome: 'success',
      agent: { subject: FEEDBACK_SCHEDULE_ACTOR },
      entity: { model: recorded.model, modelVersion: recorded.version },
      requestSha256: contentHash({
        observationId: recorded.observationId,
        periodStart: new Date(recorded.periodStart).toISOString(),
        periodEnd: new Date(recorded.periodEnd).toISOString(),
        floorsRevision: recorded.floorsRevision,
      }),
    });
  }
}
