import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { contentHash } from '@praesidium/digest';
import { ProblemError } from '@praesidium/problem';
import { ModelEntity, ModelVersionEntity } from './model.entity.js';

export interface DeployedModel {
  readonly model: ModelEntity;
  readonly version: ModelVersionEntity;
}

export type NewModel = Omit<ModelEntity, 'id'>;
export type NewModelVersion = Pick<
  ModelVersionEntity,
  'version' | 'backendUrl' | 'inputSchema' | 'outputSchema'
>;

@Injectable()
export class ModelRegistry {
  constructor(
    @InjectRepository(ModelEntity) private readonly models: Repository<ModelEntity>,
    @InjectRepository(ModelVersionEntity) private readonly versions: Repository<ModelVersionEntity>,
  ) {}

  /** The version the gateway serves for a model name: unknown → 404, nothing deployed → 409. */
  async resolveDeployed(name: string): Promise<DeployedModel> {
    const model = await this.models.findOne({ where: { name } });
    if (!model) throw new ProblemError('model.unknown');
    const version = await this.versions.findOne({ where: { modelId: model.id, status: 'deployed' } });
    if (!version) throw new ProblemError('model.not_deployed');
    return { model, version };
  }

  async listModels(): Promise<ModelEntity[]> {
    return this.models.find({ order: { name: 'ASC' } });
  }

  async listVersions(modelId: string): Promise<ModelVersionEntity[]> {
    return this.versions.find({ where: { modelId }, order: { version: 'ASC' } });
  }

  async registerModel(input: NewModel): Promise<ModelEntity> {
    const model = { id: randomUUID(), ...input };
    await this.models.insert(model);
    return model;
  }

  /** A new draft version; its manifest hash is its identity and never changes afterwards. */
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

  /** Deploys a version in place of the current one, in one transaction. Approval workflows come with issue 7. */
  async deployVersion(version: ModelVersionEntity): Promise<void> {
    await this.versions.manager.transaction(async (manager) => {
      await manager.update(
        ModelVersionEntity,
        { modelId: version.modelId, status: 'deployed' },
        { status: 'approved' },
      );
      await manager.update(ModelVersionEntity, { id: version.id }, { status: 'deployed' });
    });
  }
}
