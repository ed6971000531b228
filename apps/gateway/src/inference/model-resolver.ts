import { Injectable } from '@nestjs/common';
import { ModelRegistry, type DeployedModel } from '@praesidium/model-registry';
import { ProblemError } from '@praesidium/problem';

/** Statuses a caller may pin: approved versions and the deployed one; never drafts, suspended or retired. */
const PINNABLE = new Set(['approved', 'deployed']);

/**
 * Which model version serves a call: the deployed one by default, or a pinned version if (and only
 * if) the registry says it is approved or deployed. Refusals name their reason: `model.unknown`,
 * `model.not_deployed`, `model.version_unknown`, `model.version_not_approved`.
 */
@Injectable()
export class ModelResolver {
  constructor(private readonly registry: ModelRegistry) {}

  async resolve(name: string, pinnedVersion?: string): Promise<DeployedModel> {
    if (pinnedVersion === undefined) return this.registry.resolveDeployed(name);
    const model = (await this.registry.listModels()).find((candidate) => candidate.name === name);
    if (!model) throw new ProblemError('model.unknown');
    const version = (await this.registry.listVersions(model.id)).find(
      (candidate) => candidate.version === pinnedVersion,
    );
    if (!version) throw new ProblemError('model.version_unknown');
    if (!PINNABLE.has(version.status)) throw new ProblemError('model.version_not_approved');
    return { model, version };
  }

  /** Every version a caller could be served, for metadata. */
  async servableVersions(name: string): Promise<DeployedModel[]> {
    const model = (await this.registry.listModels()).find((candidate) => candidate.name === name);
    if (!model) throw new ProblemError('model.unknown');
    const versions = await this.registry.listVersions(model.id);
    return versions.filter((version) => PINNABLE.has(version.status)).map((version) => ({ model, version }));
  }
}
