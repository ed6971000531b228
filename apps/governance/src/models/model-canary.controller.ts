import { Body, Controller, Get, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import type { z } from 'zod';
import type { Principal } from '@praesidium/access';
import { AuditTrail } from '@praesidium/audit';
import { CanaryRollouts, ModelRegistry, type CanaryChangeResult } from '@praesidium/model-registry';
import { ZodPipe } from '@praesidium/problem';
import { CurrentPrincipal, PrincipalGuard } from '../auth/principal.guard.js';
import { audited, auditSuccess, type RegistrySubject } from './registry-audit.js';
import { modelInScope } from './registry-scope.js';
import { canaryReasonBody, canaryShareBody, canaryStartBody, modelNameParam } from './registry-dto.js';

/**
 * A model's canary rollout: an approved version serving a share of the unpinned calls beside the
 * deployed one. Starting, resharing, promoting and aborting need the permission that deploys
 * (`deploy` on the model's `ModelVersion`: the model owner) and, like deploying, no signature; each is audited
 * (`model.canary_*`), refusals included, bound to the canary version's approval record.
 */
@Controller('models/:name/canary')
@UseGuards(PrincipalGuard)
export class ModelCanaryController {
  constructor(
    private readonly canaries: CanaryRollouts,
    private readonly registry: ModelRegistry,
    private readonly trail: AuditTrail,
  ) {}

  @Get()
  async canary(
    @CurrentPrincipal() principal: Principal,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
  ) {
    await modelInScope(this.registry, principal, 'read', name);
    return this.canaries.canaryOf(name);
  }

  @Post()
  @HttpCode(201)
  async start(
    @CurrentPrincipal() principal: Principal,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
    @Body(new ZodPipe(canaryStartBody)) body: z.infer<typeof canaryStartBody>,
  ) {
    return this.change(principal, 'start', { model: name, modelVersion: body.version }, () =>
      this.canaries.startCanary(
        name,
        body.version,
        body.sharePercent,
        principal.subject,
        body.reason,
        body.scope,
      ),
    );
  }

  @Put('share')
  async share(
    @CurrentPrincipal() principal: Principal,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
    @Body(new ZodPipe(canaryShareBody)) body: z.infer<typeof canaryShareBody>,
  ) {
    return this.change(principal, 'share', { model: name }, () =>
      this.canaries.changeCanaryShare(name, body.sharePercent, principal.subject, body.reason),
    );
  }

  /** The canary becomes the deployed version; the one deployed until now is suspended. */
  @Post('promote')
  @HttpCode(200)
  async promote(
    @CurrentPrincipal() principal: Principal,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
    @Body(new ZodPipe(canaryReasonBody)) body: z.infer<typeof canaryReasonBody>,
  ) {
    const result = await this.change(principal, 'promote', { model: name }, () =>
      this.canaries.promoteCanary(name, principal.subject, body.reason),
    );
    // The two lifecycle steps a promotion takes are audited as the steps themselves would be.
    if (result.steps && result.replacedVersion) {
      await auditSuccess(
        this.trail,
        principal,
        'model_version.suspend',
        { model: name, modelVersion: result.replacedVersion },
        result.steps.deployed.recordSha256,
      );
      await auditSuccess(
        this.trail,
        principal,
        'model_version.deploy',
        { model: name, modelVersion: result.canary.version },
        result.steps.canary.recordSha256,
      );
    }
    return result;
  }

  @Post('abort')
  @HttpCode(200)
  async abort(
    @CurrentPrincipal() principal: Principal,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
    @Body(new ZodPipe(canaryReasonBody)) body: z.infer<typeof canaryReasonBody>,
  ) {
    return this.change(principal, 'abort', { model: name }, () =>
      this.canaries.abortCanary(name, principal.subject, body.reason),
    );
  }

  private change(
    principal: Principal,
    action: 'start' | 'share' | 'promote' | 'abort',
    subject: RegistrySubject & { readonly model: string },
    work: () => Promise<CanaryChangeResult>,
  ): Promise<CanaryChangeResult> {
    return audited(
      this.trail,
      principal,
      `model.canary_${action}`,
      subject,
      async () => {
        await modelInScope(this.registry, principal, 'deploy', subject.model);
        return work();
      },
      (result) => result.recordSha256,
      (result) => ({ model: subject.model, modelVersion: result.canary.version }),
    );
  }
}
