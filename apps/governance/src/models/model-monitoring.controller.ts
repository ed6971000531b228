import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import type { z } from 'zod';
import type { Principal } from '@praesidium/access';
import { AuditTrail } from '@praesidium/audit';
import {
  CLINICIAN_FEEDBACK_SOURCE,
  DriftMonitor,
  feedbackMetrics,
  FeedbackFloors,
  FeedbackSummaries,
  ModelRegistry,
  type ModelVersionEntity,
  PerformanceMonitor,
  type PerformanceFloor,
  type PerformanceInput,
} from '@praesidium/model-registry';
import { ZodPipe } from '@praesidium/problem';
import { CurrentPrincipal, PrincipalGuard } from '../auth/principal.guard.js';
import {
  driftBody,
  feedbackObservationBody,
  feedbackPeriodQuery,
  modelNameParam,
  performanceBody,
  versionParam,
} from './registry-dto.js';
import { modelInScope } from './registry-scope.js';

/**
 * Post-market monitoring of a version (MDR Annex III: indicators with threshold values): input drift
 * per feature (PSI) and performance period by period. A check past a threshold is audited as an alert.
 */
@Controller('models/:name/versions/:version')
@UseGuards(PrincipalGuard)
export class ModelMonitoringController {
  constructor(
    private readonly registry: ModelRegistry,
    private readonly drift: DriftMonitor,
    private readonly performance: PerformanceMonitor,
    private readonly feedback: FeedbackSummaries,
    private readonly floors: FeedbackFloors,
    private readonly trail: AuditTrail,
  ) {}

  /** PSI of each feature between a baseline and a current sample. */
  @Post('drift-checks')
  @HttpCode(201)
  async checkDrift(
    @CurrentPrincipal() principal: Principal,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
    @Param('version', new ZodPipe(versionParam)) version: string,
    @Body(new ZodPipe(driftBody)) body: z.infer<typeof driftBody>,
  ) {
    await modelInScope(this.registry, principal, 'register', name);
    const found = (await this.registry.getVersion(name, version)).version;
    const check = await this.drift.check(found, body, principal.subject);
    await this.audit(
      principal,
      check.isAlert ? 'model_version.drift_alert' : 'model_version.drift_checked',
      name,
      version,
    );
    return check;
  }

  @Get('drift-checks')
  async driftHistory(
    @CurrentPrincipal() principal: Principal,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
    @Param('version', new ZodPipe(versionParam)) version: string,
  ) {
    await modelInScope(this.registry, principal, 'read', name);
    return this.drift.history((await this.registry.getVersion(name, version)).version.id);
  }

  /** One period's performance (from feedback, outcomes or audits), checked against its floors. */
  @Post('performance')
  @HttpCode(201)
  async recordPerformance(
    @CurrentPrincipal() principal: Principal,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
    @Param('version', new ZodPipe(versionParam)) version: string,
    @Body(new ZodPipe(performanceBody)) body: z.infer<typeof performanceBody>,
  ) {
    await modelInScope(this.registry, principal, 'register', name);
    const found = (await this.registry.getVersion(name, version)).version;
    return this.recordObservation(principal, name, found, {
      ...body,
      periodStart: new Date(body.periodStart),
      periodEnd: new Date(body.periodEnd),
    });
  }

  /** Clinicians' verdicts on the version's outputs in [periodStart, periodEnd), from the audit trail. */
  @Get('feedback-summary')
  async feedbackSummary(
    @CurrentPrincipal() principal: Principal,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
    @Param('version', new ZodPipe(versionParam)) version: string,
    @Query(new ZodPipe(feedbackPeriodQuery)) query: z.infer<typeof feedbackPeriodQuery>,
  ) {
    await modelInScope(this.registry, principal, 'read', name);
    const found = (await this.registry.getVersion(name, version)).version;
    return this.feedback.summarize({
      model: name,
      version: found.version,
      periodStart: new Date(query.periodStart),
      periodEnd: new Date(query.periodEnd),
    });
  }

  /**
   * The period's feedback summary recorded as a performance observation (source `clinician-feedback`),
   * checked against the floors given, or else against the version's declared floors.
   */
  @Post('performance/clinician-feedback')
  @HttpCode(201)
  async recordFeedbackPerformance(
    @CurrentPrincipal() principal: Principal,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
    @Param('version', new ZodPipe(versionParam)) version: string,
    @Body(new ZodPipe(feedbackObservationBody)) body: z.infer<typeof feedbackObservationBody>,
  ) {
    await modelInScope(this.registry, principal, 'register', name);
    const found = (await this.registry.getVersion(name, version)).version;
    const periodStart = new Date(body.periodStart);
    const periodEnd = new Date(body.periodEnd);
    const summary = await this.feedback.summarize({
      model: name,
      version: found.version,
      periodStart,
      periodEnd,
    });
    const observation = await this.recordObservation(principal, name, found, {
      periodStart,
      periodEnd,
      source: CLINICIAN_FEEDBACK_SOURCE,
      metrics: feedbackMetrics(summary),
      ...(await this.floorsFor(found, body.floors)),
    });
    return { ...observation, summary };
  }

  @Get('performance')
  async performanceOverTime(
    @CurrentPrincipal() principal: Principal,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
    @Param('version', new ZodPipe(versionParam)) version: string,
  ) {
    await modelInScope(this.registry, principal, 'read', name);
    return this.performance.overTime((await this.registry.getVersion(name, version)).version.id);
  }

  /** The floors given, else the version's declared floors with their revision (none if undeclared). */
  private async floorsFor(
    version: ModelVersionEntity,
    given: readonly PerformanceFloor[] | undefined,
  ): Promise<Pick<PerformanceInput, 'floors' | 'floorsRevision'>> {
    if (given) return { floors: given };
    const declared = await this.floors.current(version.id);
    return declared ? { floors: declared.floors, floorsRevision: declared.revision } : { floors: [] };
  }

  /** Stores one period's performance and audits it, as an alert when a floor is not met. */
  private async recordObservation(
    principal: Principal,
    name: string,
    version: ModelVersionEntity,
    input: PerformanceInput,
  ) {
    const observation = await this.performance.record(version, input, principal.subject);
    const action = observation.isAlert
      ? 'model_version.performance_alert'
      : 'model_version.performance_recorded';
    await this.audit(principal, action, name, version.version);
    return observation;
  }

  private async audit(principal: Principal, action: string, model: string, modelVersion: string) {
    await this.trail.append({
      action,
      outcome: 'success',
      agent: { subject: principal.subject, issuer: principal.issuer, roles: [...principal.roles] },
      entity: { model, modelVersion },
    });
  }
}
