import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, type PraesidiumConfig } from '@praesidium/config';
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
  private readonly deployed = new Map<string, { readonly at: number; readonly value: DeployedModel }>();
  private readonly cacheMs: number;

  constructor(
    private readonly registry: ModelRegistry,
    @Inject(CONFIG) config: PraesidiumConfig,
  ) {
    this.cacheMs = config.gateway.resolveCacheMs;
  }

  async resolve(name: string, pinnedVersion?: string): Promise<DeployedModel> {
    if (pinnedVersion === undefined) return this.resolveDeployed(name);
    const model = (await this.registry.listModels()).find((candidate) => candidate.name === name);
    if (!model) throw new ProblemError('model.unknown');
    const version = (await this.registry.listVersions(model.id)).find(
      (candidate) => candidate.version === pinnedVersion,
    );
    if (!version) throw new ProblemError('model.version_unknown');
    if (!PINNABLE.has(version.status)) throw new ProblemError('model.version_not_approved');
    return { model, version };
  }

  /**
   * The deployed version, remembered for `PRAESIDIUM_GATEWAY_RESOLVE_CACHE_MS` (500 ms by default, 0
   * to turn off): two registry reads per call are most of the gateway's database time under load. A
   * deployment change or suspension reaches the gateway at most that long after it is committed.
   * Only successes are remembered: an unknown or undeployed model is asked again every time.
   */
  private async resolveDeployed(name: string): Promise<DeployedModel> {
    const now = Date.now();
    const cached = this.deployed.get(name);
    if (cached && now - cached.at < this.cacheMs) return cached.value;
    const value = await this.registry.resolveDeployed(name);
    if (this.cacheMs > 0) this.deployed.set(name, { at: now, value });
    return value;
  }

  /** Every version a caller could be served, for metadata. */
  async servableVersions(name: string): Promise<DeployedModel[]> {
    const model = (await this.registry.listModels()).find((candidate) => candidate.name === name);
    if (!model) throw new ProblemError('model.unknown');
    const versions = await this.registry.listVersions(model.id);
    return versions.filter((version) => PINNABLE.has(version.status)).map((version) => ({ model, version }));
  }
}
