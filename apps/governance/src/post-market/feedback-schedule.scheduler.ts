import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { CONFIG, feedbackPeriodName, type PraesidiumConfig } from '@praesidium/config';
import { JOB_QUEUE, type JobQueue } from '@praesidium/jobs';
import { FEEDBACK_SCHEDULE_ACTOR } from '@praesidium/model-registry';
import { FeedbackPeriodAdoption } from './feedback-period.adoption.js';
import { FEEDBACK_SCHEDULE_JOB, type FeedbackScheduleRequest } from './feedback-schedule.job.js';

const SHUTDOWN_WAIT_MS = 5000;

/**
 * Every PRAESIDIUM_FEEDBACK_SCHEDULE_SECONDS, queues a run of the clinician-feedback schedule. Each
 * governance instance has this timer; their runs may overlap and still record each period once. A
 * run still waiting or under way is not queued again, so a slow database does not pile runs up.
 */
@Injectable()
export class FeedbackScheduler implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('FeedbackSchedule');
  private timer: NodeJS.Timeout | undefined;
  private lastJob: string | undefined;
  private ticking: Promise<void> | undefined;

  constructor(
    @Inject(JOB_QUEUE) private readonly jobs: JobQueue,
    @Inject(CONFIG) private readonly config: PraesidiumConfig,
    private readonly period: FeedbackPeriodAdoption,
  ) {}

  onModuleInit(): void {
    const seconds = this.config.feedbackSchedule.checkSeconds;
    if (seconds === 0) return;
    this.timer = setInterval(() => {
      this.ticking ??= this.tick().finally(() => (this.ticking = undefined));
    }, seconds * 1000);
    this.timer.unref();
  }

  /**
   * Puts this process's period length in force before the first run is queued (with or without the
   * timer: a run on request needs it too). If the database refuses now, each tick tries again.
   */
  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.period.ensure();
    } catch (error) {
      this.logger.warn(
        `could not record the feedback period in force: ${error instanceof Error ? error.name : 'error'}; retrying before the next run`,
      );
    }
  }

  /**
   * Stops the timer; on the in-process queue, lets a run under way finish first (up to five seconds),
   * before the database closes under it. A run cut short records nothing half: each period commits whole.
   */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
    if (this.jobs.kind !== 'in-process' || !this.lastJob) return;
    const deadline = Date.now() + SHUTDOWN_WAIT_MS;
    while (Date.now() < deadline) {
      const state = (await this.jobs.status(this.lastJob))?.state;
      if (state !== 'waiting' && state !== 'active') return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private async tick(): Promise<void> {
    try {
      const last = this.lastJob ? await this.jobs.status(this.lastJob) : undefined;
      if (last && (last.state === 'waiting' || last.state === 'active')) return;
      // A refused run is nobody's job to read: say so here (its error is a reason code and a detail).
      if (last?.state === 'failed')
        this.logger.warn(`the last feedback schedule run failed: ${last.error?.split(':')[0] ?? 'error'}`);
      await this.period.ensure();
      const request: FeedbackScheduleRequest = {
        requestedBy: FEEDBACK_SCHEDULE_ACTOR,
        period: feedbackPeriodName(this.config.feedbackSchedule.period),
      };
      this.lastJob = await this.jobs.add(FEEDBACK_SCHEDULE_JOB, request);
    } catch (error) {
      this.logger.warn(
        `could not queue the feedback schedule: ${error instanceof Error ? error.name : 'error'}; retrying next interval`,
      );
    }
  }
}
