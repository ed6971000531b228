import { Controller, Get, Param, Req } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyRequest } from 'fastify';
import type { DataSource } from 'typeorm';
import {
  modelSubject,
  PolicyStore,
  presentedCertificate,
  singleBearerToken,
  TokenVerifier,
} from '@praesidium/access';
import type { DeployedModel } from '@praesidium/model-registry';
import { ProblemError } from '@praesidium/problem';
import { ModelResolver } from './inference/model-resolver.js';
import { BackendGuard } from './resilience/backend-guard.js';

const SERVER = { name: 'praesidium-gateway', version: '0.1.0', extensions: ['praesidium-governance'] };

/**
 * Open Inference Protocol v2 server and model metadata and readiness. Server liveness and readiness
 * are open (orchestrators probe them); model metadata and readiness need a token whose policy lets
 * it read the model, so they reveal nothing to anyone else.
 */
@Controller('v2')
export class OipMetadataController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly resolver: ModelResolver,
    private readonly tokens: TokenVerifier,
    private readonly policies: PolicyStore,
    private readonly guard: BackendGuard,
  ) {}

  @Get()
  server() {
    return SERVER;
  }

  @Get('health/live')
  live() {
    return { live: true };
  }

  /** Ready when the database answers: without it nothing can be audited, so nothing is served. */
  @Get('health/ready')
  async ready() {
    try {
      await this.dataSource.query('SELECT 1');
    } catch {
      throw new ProblemError('database.unavailable');
    }
    return { ready: true };
  }

  @Get('models/:name')
  async model(@Param('name') name: string, @Req() request: FastifyRequest) {
    return metadata(await this.allowedVersions(name, request));
  }

  @Get('models/:name/versions/:version')
  async modelVersion(
    @Param('name') name: string,
    @Param('version') version: string,
    @Req() request: FastifyRequest,
  ) {
    await this.allowedVersions(name, request);
    return metadata([await this.resolver.resolve(name, version)]);
  }

  /** Ready: a version is servable and its backend's circuit is not open. */
  @Get('models/:name/ready')
  async modelReady(@Param('name') name: string, @Req() request: FastifyRequest) {
    const versions = await this.allowedVersions(name, request);
    const deployed = versions.find(({ version }) => version.status === 'deployed');
    return { name, ready: deployed !== undefined && this.backendReady(deployed) };
  }

  @Get('models/:name/versions/:version/ready')
  async modelVersionReady(
    @Param('name') name: string,
    @Param('version') version: string,
    @Req() request: FastifyRequest,
  ) {
    await this.allowedVersions(name, request);
    const served = await this.resolver.resolve(name, version).catch(() => undefined);
    return { name, version, ready: served !== undefined && this.backendReady(served) };
  }

  private backendReady({ version }: DeployedModel): boolean {
    return this.guard.state(new URL(version.backendUrl).origin) !== 'open';
  }

  private async allowedVersions(name: string, request: FastifyRequest): Promise<DeployedModel[]> {
    const principal = await this.tokens.verify(
      singleBearerToken(request.raw.headersDistinct.authorization ?? []),
      { certificate: presentedCertificate(request.raw.socket) },
    );
    const versions = await this.resolver.servableVersions(name).catch((error: unknown) => {
      throw error instanceof ProblemError ? error : new ProblemError('database.unavailable');
    });
    const { ability } = this.policies.authorize(principal);
    const allowed = versions.some(({ model, version }) =>
      ability.can(
        'read',
        modelSubject({
          name: model.name,
          departments: model.departments,
          riskClass: model.riskClass,
          status: version.status,
        }),
      ),
    );
    // The same answer as for a model that does not exist: no probing of the catalogue.
    if (!allowed) throw new ProblemError('model.unknown');
    return versions;
  }
}

function metadata(versions: DeployedModel[]) {
  const [first] = versions;
  const { model } = first;
  return {
    name: model.name,
    versions: versions.map(({ version }) => version.version),
    platform: 'praesidium-gateway',
    inputs: [],
    outputs: [],
    parameters: {
      praesidium: {
        display_name: model.displayName,
        intended_use: model.intendedUse,
        limitations: model.limitations,
        demonstration: model.isDemonstration,
        versions: versions.map(({ version }) => ({
          version: version.version,
          status: version.status,
          manifest_sha256: version.manifestSha256,
          input_schema: version.inputSchema,
          output_schema: version.outputSchema,
        })),
      },
    },
  };
}
