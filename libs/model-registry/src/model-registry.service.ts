import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { contentHash } from '@praesidium/digest';
import { ProblemError } from '@praesidium/problem';
import type { CanaryScope } from './lifecycle/canary.js';
import { isEditable } from './lifecycle/lifecycle.js';
import {
  assertJsonSchemas,
  buildManifest,
  diffManifests,
  manifestSha256,
  type ManifestChange,
  type VersionContent,
} from './manifest/manifest.js';
import { descriptionOf, ModelEntity, ModelVersionEntity, type ModelDescription } from './model.entity.js';

export interface DeployedModel {
  readonly model: ModelEntity;
  readonly version: ModelVersionEntity;
}

/**
 * A canary as the gateway routes to it: its id salts the routing hash, its share is in percent of
 * the calls its scope lets it serve.
 */
export interface ServingCanary {
  readonly id: string;
  readonly version: ModelVersionEntity;
  readonly sharePercent: number;
  readonly scope: CanaryScope;
}

/** What serves a model's unpinned calls: the deployed version, and the canary beside it if one runs. */
export interface Deployment extends DeployedModel {
  readonly canary?: ServingCanary;
}

export type NewModel = Omit<ModelEntity, 'id' | 'profile' | 'classification'> &
  Partial<Pick<ModelEntity, 'profile' | 'classification'>>;
export type NewModelVersion = Pick<
  ModelVersionEntity,
  'version' | 'backendUrl' | 'inputSchema' | 'outputSchema'
>;

export interface VersionDraft {
  readonly content: VersionContent;
  readonly backendUrl: string;
  readonly pccpModifications: readonly string[];
}

@Injectable()
export class ModelRegistry {
  constructor(
    @InjectRepository(ModelEntity) private readonly models: Repository<ModelEntity>,
    @InjectRepository(ModelVersionEntity) private readonly versions: Repository<ModelVersionEntity>,
  ) {}

  /**
   * What the gateway serves for a model name: the deployed version (unknown → 404, nothing deployed →
   * 409) and its canary, if one runs and its version is still approved (so a canary read across a
   * promotion's commit is left out, never served twice or as the deployed version).
   */
  async resolveDeployed(name: string): Promise<Deployment> {
    const model = await this.models.findOne({ where: { name } });
    if (!model) throw new ProblemError('model.unknown');
    const version = await this.versions.findOne({ where: { modelId: model.id, status: 'deployed' } });
    if (!version) throw new ProblemError('model.not_deployed');
    const canary = await this.servingCanary(model.id);
    return canary ? { model, version, canary } : { model, version };
  }

  /** The model's canary if its version is still approved (a plain query: callers may map few entities). */
  private async servingCanary(modelId: string): Promise<ServingCanary | undefined> {
    const [row]: ({ id: string; versionId: string; sharePercent: number } & CanaryScope)[] =
      await this.versions.query(
        `SELECT c.id, c.version_id AS "versionId", c.share_percent AS "sharePercent", c.sites, c.departments
           FROM registry.model_canary c
         JOIN registry.model_version v ON v.id = c.version_id AND v.status = 'approved'
        WHERE c.model_id = $1`,
        [modelId],
      );
    if (!row) return undefined;
    const version = await this.versions.findOne({ where: { id: row.versionId, status: 'approved' } });
    if (!version) return undefined;
    const scope = { sites: row.sites, departments: row.departments };
    return { id: row.id, version, sharePercent: row.sharePercent, scope };
  }

  async listModels(): Promise<ModelEntity[]> {
    return this.models.find({ order: { name: 'ASC' } });
  }

  async listVersions(modelId: string): Promise<ModelVersionEntity[]> {
    return this.versions.find({ where: { modelId }, order: { version: 'ASC' } });
  }

  async getModel(name: string): Promise<ModelEntity> {
    const model = await this.models.findOne({ where: { name } });
    if (!model) throw new ProblemError('model.unknown');
    return model;
  }

  async getVersion(modelName: string, version: string): Promise<DeployedModel> {
    const model = await this.getModel(modelName);
    const found = await this.versions.findOne({ where: { modelId: model.id, version } });
    if (!found) throw new ProblemError('model_version.unknown');
    return { model, version: found };
  }

  async registerModel(input: NewModel): Promise<ModelEntity> {
    if (await this.models.exists({ where: { name: input.name } })) throw new ProblemError('model.exists');
    const model: ModelEntity = { id: randomUUID(), profile: {}, classification: {}, ...input };
    await this.models.insert(model);
    return model;
  }

  /**
   * Changes what a model is for: intended use, limitations, departments, profile, classification.
   * Versions awaiting approval must be signed again (their approval record covers these); approved
   * versions keep the approval they had.
   */
  async updateModel(name: string, changes: ModelDescription): Promise<ModelEntity> {
    const model = await this.getModel(name);
    const updated: ModelEntity = { ...model, ...changes, departments: [...changes.departments] };
    await this.models.update(
      { id: model.id },
      {
        intendedUse: updated.intendedUse,
        limitations: updated.limitations,
        departments: updated.departments,
        riskClass: updated.riskClass,
        profile: updated.profile,
        classification: updated.classification,
      },
    );
    return updated;
  }

  /**
   * A version as issue 7 describes it: its manifest (artifact digest, schemas, architecture,
   * training, operating points) is stored whole and its SHA-256 is the version's identity.
   */
  async createVersion(model: ModelEntity, draft: VersionDraft, actor: string): Promise<ModelVersionEntity> {
    assertJsonSchemas({ inputSchema: draft.content.inputSchema, outputSchema: draft.content.outputSchema });
    if (await this.versions.exists({ where: { modelId: model.id, version: draft.content.version } }))
      throw new ProblemError('model_version.exists');
    const manifest = buildManifest(model.name, draft.content);
    const version: ModelVersionEntity = {
      id: randomUUID(),
      modelId: model.id,
      version: draft.content.version,
      status: 'draft',
      backendUrl: draft.backendUrl,
      inputSchema: draft.content.inputSchema,
      outputSchema: draft.content.outputSchema,
      manifest,
      manifestSha256: manifestSha256(manifest),
      createdBy: actor,
      submittedBy: null,
      approvedDescription: null,
      pccpModifications: [...draft.pccpModifications],
    };
    await this.versions.insert(version as QueryDeepPartialEntity<ModelVersionEntity>);
    return version;
  }

  /**
   * Changes a draft; its identity changes with it. Anything past draft is frozen
   * (`model_version.immutable`): a change makes a new version. The database refuses it too.
   */
  async updateDraft(
    modelName: string,
    versionNumber: string,
    draft: VersionDraft,
  ): Promise<ModelVersionEntity> {
    const { model, version } = await this.getVersion(modelName, versionNumber);
    if (!isEditable(version.status))
      throw new ProblemError('model_version.immutable', `version ${version.version} is ${version.status}`);
    if (draft.content.version !== version.version)
      throw new ProblemError(
        'model_version.immutable',
        'a version number never changes; register a new version',
      );
    assertJsonSchemas({ inputSchema: draft.content.inputSchema, outputSchema: draft.content.outputSchema });
    const manifest = buildManifest(model.name, draft.content);
    const changes = {
      backendUrl: draft.backendUrl,
      inputSchema: draft.content.inputSchema,
      outputSchema: draft.content.outputSchema,
      manifest,
      manifestSha256: manifestSha256(manifest),
      pccpModifications: [...draft.pccpModifications],
    };
    const updated = await this.versions.update(
      { id: version.id, status: 'draft' },
      changes as QueryDeepPartialEntity<ModelVersionEntity>,
    );
    if (updated.affected !== 1)
      throw new ProblemError('model_version.immutable', 'the version left draft meanwhile');
    return { ...version, ...changes };
  }

  /** Member-by-member differences of two versions' manifests (FDA: "model version tested vs released"). */
  async diffVersions(modelName: string, from: string, to: string): Promise<ManifestChange[]> {
    const [a, b] = await Promise.all([this.getVersion(modelName, from), this.getVersion(modelName, to)]);
    return diffManifests(a.version.manifest, b.version.manifest);
  }

  /** The seed demo's version (manifest of the schemas only), kept for the embedded demo. */
  async registerVersion(model: ModelEntity, input: NewModelVersion): Promise<ModelVersionEntity> {
    const manifestSha256 = contentHash({
      model: model.name,
      version: input.version,
      inputSchema: input.inputSchema,
      outputSchema: input.outputSchema,
    });
    const version: ModelVersionEntity = {
      id: randomUUID(),
      modelId: model.id,
      status: 'draft',
      manifestSha256,
      manifest: {},
      createdBy: 'demo-seed',
      submittedBy: null,
      approvedDescription: null,
      pccpModifications: [],
      ...input,
    };
    await this.versions.insert(version as QueryDeepPartialEntity<ModelVersionEntity>);
    return version;
  }

  /**
   * Points a version at where its backend now runs. The endpoint is deployment detail, not part of
   * the version's manifest, so its identity and approval are unchanged.
   */
  async relocateBackend(modelName: string, version: string, backendUrl: string): Promise<void> {
    const model = await this.models.findOne({ where: { name: modelName } });
    if (!model) throw new ProblemError('model.unknown');
    await this.versions.update({ modelId: model.id, version }, { backendUrl });
  }

  /**
   * Deploys the demo seed's version without the approval workflow: the demonstration model is
   * flagged `isDemonstration` and its transition row says so. Real versions go through
   * `VersionLifecycle`.
   */
  async deployVersion(version: ModelVersionEntity): Promise<void> {
    await this.versions.manager.transaction(async (manager) => {
      await manager.update(
        ModelVersionEntity,
        { modelId: version.modelId, status: 'deployed' },
        { status: 'approved' },
      );
      const model = await manager.findOneByOrFail(ModelEntity, { id: version.modelId });
      await manager.update(
        ModelVersionEntity,
        { id: version.id },
        { status: 'deployed', approvedDescription: descriptionOf(model) },
      );
      await manager.query(
        `INSERT INTO registry.version_transition (id, version_id, from_status, to_status, actor, reason, record_sha256, at)
         VALUES ($1, $2, $3, 'deployed', 'demo-seed', $4, $5, now())`,
        [
          randomUUID(),
          version.id,
          version.status,
          'demonstration seed: deployed without the approval workflow (not a medical device)',
          version.manifestSha256,
        ],
      );
    });
  }
}
