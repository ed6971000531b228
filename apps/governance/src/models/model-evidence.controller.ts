import { Body, Controller, Get, HttpCode, Param, Post, Put, UseGuards } from '@nestjs/common';
import type { z } from 'zod';
import type { Principal } from '@praesidium/access';
import { AuditTrail } from '@praesidium/audit';
import {
  ChangeControlPlans,
  DriftMonitor,
  ElectronicSignatures,
  EvidenceStore,
  ModelRegistry,
} from '@praesidium/model-registry';
import { ZodPipe } from '@praesidium/problem';
import { CurrentPrincipal, PrincipalGuard, requireAbility } from '../auth/principal.guard.js';
import { audited } from './registry-audit.js';
import {
  driftBody,
  evidenceBody,
  modelNameParam,
  planBody,
  signingPinBody,
  versionParam,
} from './registry-dto.js';

/** Evidence, change-control plans and post-market drift checks of the registry's versions. */
@Controller()
@UseGuards(PrincipalGuard)
export class ModelEvidenceController {
  constructor(
    private readonly registry: ModelRegistry,
    private readonly evidence: EvidenceStore,
    private readonly plans: ChangeControlPlans,
    private readonly drift: DriftMonitor,
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
    requireAbility(principal, 'register', 'ModelVersion');
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
      async () =>
        this.evidence.add(
          (await this.registry.getVersion(name, version)).version,
          { kind: body.kind, title: body.title, details: body.details, file },
          principal.subject,
        ),
      (row) => row.sha256,
    );
  }

  @Get('models/:name/versions/:version/evidence')
  async listEvidence(
    @CurrentPrincipal() principal: Principal,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
    @Param('version', new ZodPipe(versionParam)) version: string,
  ) {
    requireAbility(principal, 'read', 'ModelVersion');
    return this.evidence.list((await this.registry.getVersion(name, version)).version.id);
  }

  @Post('models/:name/change-control-plan')
  @HttpCode(201)
  async setPlan(
    @CurrentPrincipal() principal: Principal,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
    @Body(new ZodPipe(planBody)) body: z.infer<typeof planBody>,
  ) {
    requireAbility(principal, 'register', 'ModelVersion');
    return audited(
      this.trail,
      principal,
      'model.change_control_plan_set',
      { model: name },
      async () => this.plans.setPlan((await this.registry.getModel(name)).id, body, principal.subject),
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
    requireAbility(principal, 'read', 'ModelVersion');
    return this.plans.assess((await this.registry.getVersion(name, version)).version);
  }

  /** PSI of each feature between a baseline and a current sample; an alert level is audited as such. */
  @Post('models/:name/versions/:version/drift-checks')
  @HttpCode(201)
  async checkDrift(
    @CurrentPrincipal() principal: Principal,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
    @Param('version', new ZodPipe(versionParam)) version: string,
    @Body(new ZodPipe(driftBody)) body: z.infer<typeof driftBody>,
  ) {
    requireAbility(principal, 'register', 'ModelVersion');
    const found = (await this.registry.getVersion(name, version)).version;
    const check = await this.drift.check(found, body, principal.subject);
    await this.trail.append({
      action: check.isAlert ? 'model_version.drift_alert' : 'model_version.drift_checked',
      outcome: 'success',
      agent: { subject: principal.subject, issuer: principal.issuer, roles: [...principal.roles] },
      entity: { model: name, modelVersion: version },
    });
    return check;
  }

  @Get('models/:name/versions/:version/drift-checks')
  async driftHistory(
    @CurrentPrincipal() principal: Principal,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
    @Param('version', new ZodPipe(versionParam)) version: string,
  ) {
    requireAbility(principal, 'read', 'ModelVersion');
    return this.drift.history((await this.registry.getVersion(name, version)).version.id);
  }

  /** Sets (or, with the current one, changes) the caller's signing PIN. */
  @Put('signing-pin')
  @HttpCode(204)
  async setSigningPin(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodPipe(signingPinBody)) body: z.infer<typeof signingPinBody>,
  ) {
    requireAbility(principal, 'sign', 'ModelVersion');
    await audited(this.trail, principal, 'signing_pin.set', {}, () =>
      this.signatures.setSigningPin(principal.subject, body.pin, body.currentPin),
    );
  }
}
