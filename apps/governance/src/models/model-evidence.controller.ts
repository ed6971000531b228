import { Body, Controller, Get, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import type { z } from 'zod';
import type { Principal } from '@praesidium/access';
import { AuditTrail } from '@praesidium/audit';
import {
  ChangeControlPlans,
  ElectronicSignatures,
  EvidenceStore,
  ModelRegistry,
} from '@praesidium/model-registry';
import { ZodPipe } from '@praesidium/problem';
import { CurrentPrincipal, PrincipalGuard } from '../auth/principal.guard.js';
import { audited } from './registry-audit.js';
import { modelInScope, requireRegistryPermission } from './registry-scope.js';
import { evidenceBody, modelNameParam, planBody, signingPinBody, versionParam } from './registry-dto.js';

/** Evidence and change-control plans of the registry's versions, and signing PINs. */
@Controller()
@UseGuards(PrincipalGuard)
export class ModelEvidenceController {
  constructor(
    private readonly registry: ModelRegistry,
    private readonly evidence: EvidenceStore,
    private readonly plans: ChangeControlPlans,
    private readonly signatures: ElectronicSignatures,
    private readonly trail: AuditTrail,
  ) {}

  /** A file (base64, type-checked by content, size-limited) or a structured item (risk item, metrics…). */
  @Post('models/:name/versions/:version/evidence')
  @HttpCode(201)
  async addEvidence(
    @CurrentPrincipal() principal: Principal,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
    @Param('version', new ZodPipe(versionParam)) version: string,
    @Body(new ZodPipe(evidenceBody)) body: z.infer<typeof evidenceBody>,
  ) {
    requireRegistryPermission(principal, 'register');
    const file = body.file && {
      fileName: body.file.fileName,
      mediaType: body.file.mediaType,
      bytes: Buffer.from(body.file.contentBase64, 'base64'),
    };
    return audited(
      this.trail,
      principal,
      'model_version.evidence_added',
      { model: name, modelVersion: version },
      async () => {
        await modelInScope(this.registry, principal, 'register', name);
        return this.evidence.add(
          (await this.registry.getVersion(name, version)).version,
          { kind: body.kind, title: body.title, details: body.details, file },
          principal.subject,
        );
      },
      (row) => row.sha256,
    );
  }

  @Get('models/:name/versions/:version/evidence')
  async listEvidence(
    @CurrentPrincipal() principal: Principal,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
    @Param('version', new ZodPipe(versionParam)) version: string,
  ) {
    await modelInScope(this.registry, principal, 'read', name);
    return this.evidence.list((await this.registry.getVersion(name, version)).version.id);
  }

  @Post('models/:name/change-control-plan')
  @HttpCode(201)
  async setPlan(
    @CurrentPrincipal() principal: Principal,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
    @Body(new ZodPipe(planBody)) body: z.infer<typeof planBody>,
  ) {
    requireRegistryPermission(principal, 'register');
    return audited(
      this.trail,
      principal,
      'model.change_control_plan_set',
      { model: name },
      async () => {
        const model = await modelInScope(this.registry, principal, 'register', name);
        return this.plans.setPlan(model.id, body, principal.subject);
      },
      (row) => row.sha256,
    );
  }

  /** The version's acceptance checks under the plan, with the modification → evidence traceability table. */
  @Get('models/:name/versions/:version/pccp-assessment')
  async assess(
    @CurrentPrincipal() principal: Principal,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
    @Param('version', new ZodPipe(versionParam)) version: string,
  ) {
    await modelInScope(this.registry, principal, 'read', name);
    return this.plans.assess((await this.registry.getVersion(name, version)).version);
  }

  /** Sets (or, with the current one, changes) the caller's signing PIN. */
  @Put('signing-pin')
  @HttpCode(204)
  async setSigningPin(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodPipe(signingPinBody)) body: z.infer<typeof signingPinBody>,
  ) {
    // A signer's PIN is theirs, whichever models their permission to sign is narrowed to.
    requireRegistryPermission(principal, 'sign');
    await audited(this.trail, principal, 'signing_pin.set', {}, () =>
      this.signatures.setSigningPin(principal, body.pin, body.currentPin),
    );
  }
}
