import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, UseGuards } from '@nestjs/common';
import type { z } from 'zod';
import type { Principal } from '@praesidium/access';
import { AuditTrail } from '@praesidium/audit';
import { CONFIG, feedbackPeriodName, type PraesidiumConfig } from '@praesidium/config';
import { JOB_QUEUE, type JobQueue } from '@praesidium/jobs';
import { FeedbackFloors, FeedbackSchedule, ModelRegistry } from '@praesidium/model-registry';
import { ZodPipe } from '@praesidium/problem';
import { CurrentPrincipal, PrincipalGuard, requireAbility } from '../auth/principal.guard.js';
import { enqueue, requesterFields } from '../jobs/enqueue.js';
import { audited, auditSuccess } from '../models/registry-audit.js';
import { feedbackFloorsBody, modelNameParam, versionParam } from '../models/registry-dto.js';
import { modelInScope, requireRegistryPermission } from '../models/registry-scope.js';
import { FeedbackPeriodAdoption } from './feedback-period.adoption.js';
import { FEEDBACK_SCHEDULE_JOB, type FeedbackScheduleRequest } from './feedback-schedule.job.js';

/**
 * A version's post-market plan for clinicians' feedback (MDR Annex III: indicators and thresholds):
 * its declared floors, revised as new revisions, and where the schedule that records each closed
 * period against them stands. Declaring needs the permission that records performance.
 */
@Controller('models/:name/versions/:version')
@UseGuards(PrincipalGuard)
export class FeedbackMonitoringController {
  constructor(
    private readonly registry: ModelRegistry,
    private readonly floors: FeedbackFloors,
    private readonly schedule: FeedbackSchedule,
    private readonly trail: AuditTrail,
    @Inject(CONFIG) private readonly config: PraesidiumConfig,
  ) {}

  /** Declares the floors, as the next revision (audited with the floors' SHA-256, refusals too). */
  @Put('feedback-floors')
  async declareFloors(
    @CurrentPrincipal() principal: Principal,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
    @Param('version', new ZodPipe(versionParam)) version: string,
    @Body(new ZodPipe(feedbackFloorsBody)) body: z.infer<typeof feedbackFloorsBody>,
  ) {
    requireRegistryPermission(principal, 'register');
    return audited(
      this.trail,
      principal,
      'model_version.feedback_floors_declared',
      { model: name, modelVersion: version },
      async () => {
        await modelInScope(this.registry, principal, 'register', name);
        const found = (await this.registry.getVersion(name, version)).version;
        return this.floors.declare(found, body.floors, body.reason, principal.subject);
      },
      (revision) => revision.floorsSha256,
    );
  }

  /** The revision in force and every revision, newest first. */
  @Get('feedback-floors')
  async declaredFloors(
    @CurrentPrincipal() principal: Principal,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
    @Param('version', new ZodPipe(versionParam)) version: string,
  ) {
    await modelInScope(this.registry, principal, 'read', name);
    const found = (await this.registry.getVersion(name, version)).version;
    const revisions = (await this.floors.revisions(found.id)).reverse();
    return { current: revisions[0] ?? null, revisions };
  }

  /**
   * The schedule's cadence (the period length in force in the registry, which every run records by)
   * and this version's place in it: the last period it recorded and the next one. Recordings on
   * request are not the schedule's and count in neither.
   */
  @Get('feedback-schedule')
  async scheduleStatus(
    @CurrentPrincipal() principal: Principal,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
    @Param('version', new ZodPipe(versionParam)) version: string,
  ) {
    await modelInScope(this.registry, principal, 'read', name);
    const found = (await this.registry.getVersion(name, version)).version;
    const status = await this.schedule.statusOf(found);
    return {
      checkSeconds: this.config.feedbackSchedule.checkSeconds,
      ...status,
      nextPeriod: status.nextPeriod && {
        periodStart: status.nextPeriod.start.toISOString(),
        periodEnd: status.nextPeriod.end.toISOString(),
        isTransition: status.nextPeriod.isTransition,
      },
    };
  }
}

/** "Record the closed periods now", for every version the schedule covers: a run of the same job. */
@Controller('post-market/feedback-schedule')
@UseGuards(PrincipalGuard)
export class FeedbackScheduleRunsController {
  constructor(
    private readonly trail: AuditTrail,
    private readonly period: FeedbackPeriodAdoption,
    @Inject(CONFIG) private readonly config: PraesidiumConfig,
    @Inject(JOB_QUEUE) private readonly jobs: JobQueue,
  ) {}

  /**
   * Queued with this process's period length: the run records only if that is the one in force. It
   * records for every model's versions, so it needs `register` on every model (no condition narrowing it).
   */
  @Post('runs')
  @HttpCode(202)
  async run(@CurrentPrincipal() principal: Principal) {
    requireAbility(principal, 'register', 'ModelVersion');
    await this.period.ensure();
    const request: FeedbackScheduleRequest = {
      ...requesterFields(principal),
      period: feedbackPeriodName(this.config.feedbackSchedule.period),
    };
    const id = await enqueue(this.jobs, FEEDBACK_SCHEDULE_JOB, request);
    await auditSuccess(this.trail, principal, 'post_market.feedback_schedule_run', {});
    return { job: id, status: `/jobs/${id}` };
  }
}
