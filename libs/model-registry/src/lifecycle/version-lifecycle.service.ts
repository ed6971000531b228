import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { ProblemError } from '@praesidium/problem';
import { ChangeControlPlans } from '../pccp/change-control-plans.service.js';
import { intendedUseSha256 } from '../model-profile.js';
import { descriptionOf, ModelEntity, ModelVersionEntity } from '../model.entity.js';
import { EvidenceEntity, SignatureEntity, VersionTransitionEntity } from '../registry-records.entity.js';
import { approvalRecord, approvalRecordSha256, type ApprovalRecord } from '../signatures/signature.js';
import { isCanaryStoppedBy } from './canary.js';
import { endCanary, runningCanary } from './canary.store.js';
import {
  decideTransition,
  stepPermissions,
  type BiasReportFact,
  type LifecycleAction,
  type LifecyclePermission,
  type SignatureFact,
  type VersionStatus,
} from './lifecycle.js';

export interface TransitionResult {
  readonly from: VersionStatus;
  readonly to: VersionStatus;
  readonly recordSha256: string;
  /** The model's canary, when this step ended it (its deployment or its own version went away). */
  readonly stoppedCanary?: { readonly version: string; readonly sharePercent: number };
}

/**
 * Serializes every lifecycle and canary change of one model behind the model row: the one-deployed
 * guard reads sibling versions, and a canary's rules read the deployed version.
 */
async function lockModelOfVersion(manager: EntityManager, versionId: string): Promise<void> {
  await manager.query(
    `SELECT m.id FROM registry.model m JOIN registry.model_version v ON v.model_id = m.id
      WHERE v.id = $1 FOR UPDATE OF m`,
    [versionId],
  );
}

/**
 * Moves versions along their lifecycle under the pure guards of `lifecycle.ts`. Each step is one
 * transaction that locks the version row, re-reads the facts, updates the status and appends the
 * transition row, so two concurrent steps cannot both pass a guard.
 */
@Injectable()
export class VersionLifecycle {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly plans: ChangeControlPlans,
  ) {}

  /** The record approval signatures sign now, and its SHA-256. */
  async currentRecord(version: ModelVersionEntity, manager = this.dataSource.manager) {
    const model = await manager.findOneByOrFail(ModelEntity, { id: version.modelId });
    const evidence = await manager.find(EvidenceEntity, { where: { versionId: version.id } });
    const record: ApprovalRecord = approvalRecord({
      versionId: version.id,
      model: model.name,
      version: version.version,
      manifestSha256: version.manifestSha256,
      intendedUseSha256: intendedUseSha256(model),
      ...(await this.planHashOf(version, manager)),
      evidenceSha256: evidence.map((item) => item.sha256),
    });
    return { record, sha256: approvalRecordSha256(record) };
  }

  private async planHashOf(version: ModelVersionEntity, manager: EntityManager) {
    if (version.pccpModifications.length === 0) return {};
    const plan = await this.plans.currentPlan(version.modelId, manager);
    return plan ? { changeControlPlanSha256: plan.sha256 } : {};
  }

  /** `held`: the lifecycle permissions the actor holds on every version (see `stepPermissions`). */
  async transition(
    versionId: string,
    action: LifecycleAction,
    actor: string,
    reason: string,
    held: readonly LifecyclePermission[],
  ): Promise<TransitionResult> {
    return this.dataSource.transaction(async (manager) => {
      await lockModelOfVersion(manager, versionId);
      return this.transitionLocked(manager, versionId, action, actor, reason, held);
    });
  }

  /**
   * One lifecycle step inside the caller's transaction, which already holds the model row's lock
   * (`lockModelOfVersion`): locks the version, re-checks the guard, updates the status, appends the
   * transition row, and ends the model's canary if the step takes its deployment or its version away.
   */
  async transitionLocked(
    manager: EntityManager,
    versionId: string,
    action: LifecycleAction,
    actor: string,
    reason: string,
    held: readonly LifecyclePermission[] = ['deploy', 'transition'],
  ): Promise<TransitionResult> {
    const version = await manager
      .getRepository(ModelVersionEntity)
      .createQueryBuilder('v')
      .setLock('pessimistic_write')
      .where('v.id = :versionId', { versionId })
      .getOneOrFail();
    const suspendedUnder =
      action === 'resume' ? await this.lastSuspensionPermission(manager, version.id) : undefined;
    const permission = stepPermissions(action, suspendedUnder).find((candidate) => held.includes(candidate));
    if (!permission) {
      throw new ProblemError(
        'access.denied',
        suspendedUnder === 'suspend'
          ? 'a version stopped with the suspend permission is resumed only under that permission'
          : undefined,
      );
    }
    const { sha256 } = await this.currentRecord(version, manager);
    const decision = decideTransition(action, await this.facts(manager, version, actor, sha256));
    if (!decision.allowed) throw new ProblemError(decision.reason, decision.detail);
    await manager.update(
      ModelVersionEntity,
      { id: version.id },
      {
        status: decision.to,
        ...(action === 'submit' ? { submittedBy: actor } : {}),
        ...(action === 'approve' ? { approvedDescription: await this.descriptionNow(manager, version) } : {}),
      },
    );
    await manager.insert(VersionTransitionEntity, {
      id: randomUUID(),
      versionId: version.id,
      fromStatus: version.status,
      toStatus: decision.to,
      actor,
      reason,
      recordSha256: sha256,
      at: new Date(),
      permission,
    });
    const stoppedCanary = await this.stopCanaryIfEnded(manager, version, decision.to, actor, reason);
    return { from: version.status, to: decision.to, recordSha256: sha256, ...stoppedCanary };
  }

  /**
   * What a version approved now is approved for: the model's description (all of it but the risk
   * class is what the approval record's `intendedUseSha256` binds), kept with the version so the
   * gateway goes on serving it as approved after the description changes for later versions.
   */
  private async descriptionNow(manager: EntityManager, version: ModelVersionEntity) {
    return descriptionOf(await manager.findOneByOrFail(ModelEntity, { id: version.modelId }));
  }

  /** The permission the version's latest suspension was made under. */
  private async lastSuspensionPermission(manager: EntityManager, versionId: string) {
    const last = await manager.findOne(VersionTransitionEntity, {
      where: { versionId, toStatus: 'suspended' },
      order: { at: 'DESC' },
    });
    return last?.permission ?? null;
  }

  private async stopCanaryIfEnded(
    manager: EntityManager,
    version: ModelVersionEntity,
    to: VersionStatus,
    actor: string,
    reason: string,
  ): Promise<Pick<TransitionResult, 'stoppedCanary'>> {
    const canary = await runningCanary(manager, version.modelId);
    if (!canary || !isCanaryStoppedBy({ versionId: version.id, from: version.status, to }, canary)) return {};
    await endCanary(manager, canary, 'stop', actor, reason);
    const canaryVersion = await manager.findOneByOrFail(ModelVersionEntity, { id: canary.versionId });
    return { stoppedCanary: { version: canaryVersion.version, sharePercent: canary.sharePercent } };
  }

  async history(versionId: string): Promise<VersionTransitionEntity[]> {
    return this.dataSource.manager.find(VersionTransitionEntity, {
      where: { versionId },
      order: { at: 'ASC' },
    });
  }

  private async facts(
    manager: EntityManager,
    version: ModelVersionEntity,
    actor: string,
    recordSha256: string,
  ) {
    // One after another: the transaction's one connection runs one query at a time (pg queues
    // concurrent ones and warns that a later version will refuse them).
    const evidence = await manager.find(EvidenceEntity, { where: { versionId: version.id } });
    const signatures = await manager.find(SignatureEntity, { where: { versionId: version.id } });
    const deployed = await manager.find(ModelVersionEntity, {
      where: { modelId: version.modelId, status: 'deployed' },
    });
    const biasReports = await this.biasReportsOf(version, manager);
    const isPccpAccepted =
      version.pccpModifications.length > 0 ? (await this.plans.assess(version, manager)).accepted : undefined;
    return {
      status: version.status,
      actor,
      submittedBy: version.submittedBy ?? undefined,
      evidenceKinds: evidence.map((item) => item.kind),
      signatures,
      biasReports,
      approvalRecordSha256: recordSha256,
      isAnotherDeployed: deployed.some((other) => other.id !== version.id),
      isPccpAccepted,
    };
  }

  /**
   * The completed bias reports computed for this version, with their sign-off signatures. A report
   * names its version by `modelVersion` at upload: `<model>@<version>` or the version's id.
   */
  async biasReportsOf(
    version: ModelVersionEntity,
    manager = this.dataSource.manager,
  ): Promise<BiasReportFact[]> {
    const model = await manager.findOneByOrFail(ModelEntity, { id: version.modelId });
    const rows: (SignatureFact & { reportId: string; reportSha256: string; signerSubject: string | null })[] =
      await manager.query(
        `SELECT r.id AS "reportId", r.report_sha256 AS "reportSha256", s.signer_subject AS "signerSubject",
                s.signer_role AS "signerRole", s.meaning, s.record_sha256 AS "recordSha256"
           FROM fairness.bias_report r
           LEFT JOIN fairness.bias_report_signature s ON s.report_id = r.id
          WHERE r.status = 'completed' AND r.report_sha256 IS NOT NULL AND r.model_version_ref = ANY($1)
          ORDER BY r.created_at, s.signed_at`,
        [[version.id, versionReference(model.name, version.version)]],
      );
    const reports = new Map<
      string,
      { reportId: string; reportSha256: string; signatures: SignatureFact[] }
    >();
    for (const row of rows) {
      const report = reports.get(row.reportId) ?? {
        reportId: row.reportId,
        reportSha256: row.reportSha256,
        signatures: [],
      };
      reports.set(row.reportId, report);
      if (row.signerSubject !== null)
        report.signatures.push({
          signerSubject: row.signerSubject,
          signerRole: row.signerRole,
          meaning: row.meaning,
          recordSha256: row.recordSha256,
        });
    }
    return [...reports.values()];
  }
}

/** How a bias report names the version it was computed for: `<model>@<version>`. */
export function versionReference(model: string, version: string): string {
  return `${model}@${version}`;
}
