import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { ProblemError } from '@praesidium/problem';
import { ModelEntity, ModelVersionEntity } from '../model.entity.js';
import {
  decideCanary,
  PROMOTION_STEPS,
  UNSCOPED,
  type CanaryAction,
  type CanaryFacts,
  type CanaryScope,
} from './canary.js';
import { CanaryChangeEntity, ModelCanaryEntity } from './canary.entity.js';
import { endCanary, recordCanaryChange, runningCanary } from './canary.store.js';
import { VersionLifecycle, type TransitionResult } from './version-lifecycle.service.js';

/** A canary as the API shows it. */
export interface CanaryView {
  readonly id: string;
  readonly model: string;
  readonly version: string;
  readonly sharePercent: number;
  readonly scope: CanaryScope;
  readonly startedBy: string;
  readonly startedAt: Date;
  readonly updatedAt: Date;
}

/** A running canary as a model list shows it. */
export interface RunningCanarySummary {
  readonly version: string;
  readonly sharePercent: number;
  readonly scope: CanaryScope;
  readonly startedAt: Date;
}

/** What a canary change did: the canary after it (or as it ended), and the version's approval record. */
export interface CanaryChangeResult {
  readonly canary: CanaryView;
  /** SHA-256 of the canary version's approval record: what the audit record binds the change to. */
  readonly recordSha256: string;
  /** For a promotion: the two lifecycle steps it took. */
  readonly steps?: { readonly deployed: TransitionResult; readonly canary: TransitionResult };
  /** For a promotion: the version that was deployed before. */
  readonly replacedVersion?: string;
}

interface Locked {
  readonly model: ModelEntity;
  readonly running: ModelCanaryEntity | null;
  readonly deployed: ModelVersionEntity | null;
}

/**
 * Starts, reshares, promotes and aborts a model's canary under the pure rules of `canary.ts`. Each
 * change is one transaction holding the model row's lock, as lifecycle steps do, so a canary change
 * and a suspension of the same model cannot interleave.
 */
@Injectable()
export class CanaryRollouts {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly lifecycle: VersionLifecycle,
  ) {}

  /** The model's running canary (or null) and every change of its canaries, oldest first. */
  async canaryOf(modelName: string) {
    const model = await this.modelNamed(modelName, this.dataSource.manager);
    const [running, changes, versions] = await Promise.all([
      runningCanary(this.dataSource.manager, model.id),
      this.dataSource.manager.find(CanaryChangeEntity, {
        where: { modelId: model.id },
        order: { at: 'ASC' },
      }),
      this.dataSource.manager.find(ModelVersionEntity, { where: { modelId: model.id } }),
    ]);
    const numberOf = new Map(versions.map((version) => [version.id, version.version]));
    return {
      canary: running ? view(model, running, numberOf.get(running.versionId) ?? '') : null,
      history: changes.map(
        ({ canaryId, versionId, action, sharePercent, sites, departments, actor, reason, at }) => ({
          canaryId,
          version: numberOf.get(versionId) ?? '',
          action,
          sharePercent,
          scope: { sites, departments },
          actor,
          reason,
          at,
        }),
      ),
    };
  }

  /** The running canaries of these models by model id (version number and share), for lists. */
  async runningCanaries(modelIds: readonly string[]): Promise<Map<string, RunningCanarySummary>> {
    if (modelIds.length === 0) return new Map();
    const rows: (Omit<RunningCanarySummary, 'scope'> & CanaryScope & { modelId: string })[] =
      await this.dataSource.query(
        `SELECT c.model_id AS "modelId", v.version, c.share_percent AS "sharePercent", c.sites, c.departments,
                c.started_at AS "startedAt"
           FROM registry.model_canary c JOIN registry.model_version v ON v.id = c.version_id
          WHERE c.model_id = ANY($1)`,
        [modelIds],
      );
    return new Map(
      rows.map(({ modelId, sites, departments, ...canary }) => [
        modelId,
        { ...canary, scope: { sites, departments } },
      ]),
    );
  }

  async startCanary(
    modelName: string,
    versionNumber: string,
    sharePercent: number,
    actor: string,
    reason: string,
    scope: CanaryScope = UNSCOPED,
  ): Promise<CanaryChangeResult> {
    return this.locked(modelName, async (manager, { model, running, deployed }) => {
      const target = await manager.findOneBy(ModelVersionEntity, {
        modelId: model.id,
        version: versionNumber,
      });
      if (!target) throw new ProblemError('model_version.unknown');
      this.decide('start', {
        running: running ?? undefined,
        deployedVersionId: deployed?.id,
        target: { id: target.id, status: target.status },
        sharePercent,
      });
      const now = new Date();
      const canary: ModelCanaryEntity = {
        modelId: model.id,
        id: randomUUID(),
        versionId: target.id,
        sharePercent,
        sites: [...scope.sites],
        departments: [...scope.departments],
        startedBy: actor,
        startedAt: now,
        updatedAt: now,
      };
      await manager.insert(ModelCanaryEntity, canary);
      await recordCanaryChange(manager, canary, 'start', actor, reason, now);
      return this.result(manager, model, canary, target);
    });
  }

  async changeCanaryShare(
    modelName: string,
    sharePercent: number,
    actor: string,
    reason: string,
  ): Promise<CanaryChangeResult> {
    return this.locked(modelName, async (manager, { model, running, deployed }) => {
      this.decide('share', { running: running ?? undefined, deployedVersionId: deployed?.id, sharePercent });
      const current = running as ModelCanaryEntity;
      const canary = { ...current, sharePercent, updatedAt: new Date() };
      await manager.update(
        ModelCanaryEntity,
        { modelId: model.id },
        { sharePercent, updatedAt: canary.updatedAt },
      );
      await recordCanaryChange(manager, canary, 'share', actor, reason, canary.updatedAt);
      return this.result(manager, model, canary);
    });
  }

  /**
   * The canary becomes the deployed version; the version deployed until now is suspended (see
   * `PROMOTION_STEPS`). Both steps are lifecycle transitions with their guards and rows, in the
   * transaction that ends the canary, so the gateway never sees two deployed versions or none.
   */
  async promoteCanary(modelName: string, actor: string, reason: string): Promise<CanaryChangeResult> {
    return this.locked(modelName, async (manager, { model, running, deployed }) => {
      this.decide('promote', { running: running ?? undefined, deployedVersionId: deployed?.id });
      const canary = running as ModelCanaryEntity;
      const replaced = deployed as ModelVersionEntity;
      await endCanary(manager, canary, 'promote', actor, reason);
      const why = `canary promoted: ${reason}`;
      const deployedStep = await this.lifecycle.transitionLocked(
        manager,
        replaced.id,
        PROMOTION_STEPS.deployed,
        actor,
        why,
      );
      const canaryStep = await this.lifecycle.transitionLocked(
        manager,
        canary.versionId,
        PROMOTION_STEPS.canary,
        actor,
        why,
      );
      return {
        ...(await this.result(manager, model, canary)),
        steps: { deployed: deployedStep, canary: canaryStep },
        replacedVersion: replaced.version,
      };
    });
  }

  /** Ends the canary: every unpinned call goes to the deployed version again. */
  async abortCanary(modelName: string, actor: string, reason: string): Promise<CanaryChangeResult> {
    return this.locked(modelName, async (manager, { model, running, deployed }) => {
      this.decide('abort', { running: running ?? undefined, deployedVersionId: deployed?.id });
      const canary = running as ModelCanaryEntity;
      await endCanary(manager, canary, 'abort', actor, reason);
      return this.result(manager, model, canary);
    });
  }

  private decide(action: CanaryAction, facts: CanaryFacts): void {
    const decision = decideCanary(action, facts);
    if (!decision.allowed) throw new ProblemError(decision.reason, decision.detail);
  }

  /** Runs `work` in a transaction holding the model row's lock, with the facts read under it. */
  private locked<T>(
    modelName: string,
    work: (manager: EntityManager, facts: Locked) => Promise<T>,
  ): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      const found = await this.modelNamed(modelName, manager);
      await manager.query(`SELECT id FROM registry.model WHERE id = $1 FOR UPDATE`, [found.id]);
      // One after another: a transaction's one connection runs one query at a time.
      const running = await runningCanary(manager, found.id);
      const deployed = await manager.findOneBy(ModelVersionEntity, { modelId: found.id, status: 'deployed' });
      return work(manager, { model: found, running, deployed });
    });
  }

  private async modelNamed(name: string, manager: EntityManager): Promise<ModelEntity> {
    const model = await manager.findOneBy(ModelEntity, { name });
    if (!model) throw new ProblemError('model.unknown');
    return model;
  }

  private async result(
    manager: EntityManager,
    model: ModelEntity,
    canary: ModelCanaryEntity,
    version?: ModelVersionEntity,
  ): Promise<CanaryChangeResult> {
    const canaryVersion =
      version ?? (await manager.findOneByOrFail(ModelVersionEntity, { id: canary.versionId }));
    const { sha256 } = await this.lifecycle.currentRecord(canaryVersion, manager);
    return { canary: view(model, canary, canaryVersion.version), recordSha256: sha256 };
  }
}

function view(model: ModelEntity, canary: ModelCanaryEntity, version: string): CanaryView {
  return {
    id: canary.id,
    model: model.name,
    version,
    sharePercent: canary.sharePercent,
    scope: { sites: canary.sites, departments: canary.departments },
    startedBy: canary.startedBy,
    startedAt: canary.startedAt,
    updatedAt: canary.updatedAt,
  };
}
