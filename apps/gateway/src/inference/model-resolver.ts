import { Inject, Injectable } from '@nestjs/common';
import { CONFIG, type PraesidiumConfig } from '@praesidium/config';
import { ModelRegistry, type DeployedModel, type Deployment } from '@praesidium/model-registry';
import { ProblemError } from '@praesidium/problem';

/** Statuses a caller may pin: approved versions and the deployed one; never drafts, suspended or retired. */
const PINNABLE = new Set(['approved', 'deployed']);

interface Remembered {
  readonly at: number;
  readonly value: Promise<Deployment>;
}

/**
 * Which model version serves a call: the deployed one by default, or a pinned version if (and only
 * if) the registry says it is approved or deployed. Refusals name their reason: `model.unknown`,
 * `model.not_deployed`, `model.version_unknown`, `model.version_not_approved`.
 */
@Injectable()
export class ModelResolver {
  private readonly remembered = new Map<string, Remembered>();
  private readonly cacheMs: number;

  constructor(
    private readonly registry: ModelRegistry,
    @Inject(CONFIG) config: PraesidiumConfig,
  ) {
    this.cacheMs = config.gateway.resolveCacheMs;
  }

  /**
   * The version serving `name` (the pinned one, or the deployed one with its canary, if one runs),
   * remembered for `PRAESIDIUM_GATEWAY_RESOLVE_CACHE_MS` (500 ms by default, 0 to turn off): registry
   * reads were most of the gateway's database time under load. A deployment or canary change, approval or suspension reaches
   * the gateway at most that long after it is committed (the one-second stop button). Calls arriving
   * while a read is in flight share it, so an expiry under load costs one read, not one per call.
   * Only successes are remembered: an unknown or unservable version is asked again every time.
   */
  resolve(name: string, pinnedVersion?: string): Promise<Deployment> {
    const key = JSON.stringify([name, pinnedVersion ?? null]);
    const now = Date.now();
    const cached = this.remembered.get(key);
    if (cached && now - cached.at < this.cacheMs) return cached.value;
    const value =
      pinnedVersion === undefined
        ? this.registry.resolveDeployed(name)
        : this.resolvePinned(name, pinnedVersion);
    if (this.cacheMs === 0) return value;
    const entry = { at: now, value };
    this.remembered.set(key, entry);
    value.catch(() => {
      if (this.remembered.get(key) === entry) this.remembered.delete(key);
    });
    return value;
  }

  private async resolvePinned(name: string, pinnedVersion: string): Promise<DeployedModel> {
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
