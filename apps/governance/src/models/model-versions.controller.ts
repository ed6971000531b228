import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, UseGuards } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { z } from 'zod';
import {
  modelVersionSubject,
  type AppAbility,
  type ModelVersionSubject,
  type Principal,
} from '@praesidium/access';
import { AuditTrail } from '@praesidium/audit';
import {
  CanaryRollouts,
  ElectronicSignatures,
  intendedUseSha256,
  LIFECYCLE_PERMISSIONS,
  ModelRegistry,
  stepPermissions,
  VersionLifecycle,
  type LifecycleAction,
  type LifecyclePermission,
} from '@praesidium/model-registry';
import { ProblemError, ZodPipe } from '@praesidium/problem';
import {
  CurrentAbility,
  CurrentPrincipal,
  PrincipalGuard,
  requireAbilityOnSome,
  requireAnyAbilityOnModel,
} from '../auth/principal.guard.js';
import { readableModels, versionSummary } from './models.controller.js';
import { audited, auditSuccess } from './registry-audit.js';
import { modelInScope, registrySubjectOf, requireRegistryPermission } from './registry-scope.js';
import {
  diffQuery,
  modelDescriptionBody,
  modelNameParam,
  newModelBody,
  signatureBody,
  transitionBody,
  versionBody,
  versionParam,
} from './registry-dto.js';

/**
 * The policy actions that may allow each lifecycle step (any one suffices, checked here before the
 * registry is read): deploying and approving are separate permissions; suspending is a lifecycle
 * step, or incident response on its own (`suspend`). Which one a resume needs depends on the
 * suspension it lifts, which the lifecycle decides (`stepPermissions`).
 */
function permissionsFor(action: LifecycleAction): readonly LifecyclePermission[] {
  return action === 'resume' ? ['deploy', 'suspend'] : stepPermissions(action);
}

/** The lifecycle permissions the principal holds on the versions of this model. */
function heldPermissions(ability: AppAbility, model: ModelVersionSubject): LifecyclePermission[] {
  const record = modelVersionSubject(model);
  return LIFECYCLE_PERMISSIONS.filter((permission) => ability.can(permission, record));
}

/**
 * The registry's models and versions: registration, draft edits (frozen once past draft), diffs,
 * lifecycle steps under their guards, and Part 11 signatures on a version's approval record. Every
 * change, and every refused change, is audited.
 */
@Controller('models')
@UseGuards(PrincipalGuard)
export class ModelVersionsController {
  constructor(
    private readonly registry: ModelRegistry,
    private readonly lifecycle: VersionLifecycle,
    private readonly canaries: CanaryRollouts,
    private readonly signatures: ElectronicSignatures,
    private readonly trail: AuditTrail,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  @Post()
  @HttpCode(201)
  async registerModel(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodPipe(newModelBody)) body: z.infer<typeof newModelBody>,
  ) {
    requireRegistryPermission(principal, 'register');
    return audited(this.trail, principal, 'model.registered', { model: body.name }, async () => {
      // A permission narrowed to some models registers only models it would then cover.
      requireAnyAbilityOnModel(principal, ['register'], registrySubjectOf(body));
      return this.registry.registerModel({ ...body, isDemonstration: false });
    });
  }

  /**
   * A model the policy lets the caller read (`read Model`, its conditions applied as `GET /models`
   * applies them): with its versions whole for a reader of this model's versions (`read ModelVersion`),
   * else (the clinician an answer's `model_card` link points here) what `GET /models` lists of it.
   */
  @Get(':name')
  async getModel(
    @CurrentPrincipal() principal: Principal,
    @CurrentAbility() ability: AppAbility,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
  ) {
    // The policy's conditions are applied in SQL (readableModels).
    requireAbilityOnSome(principal, 'read', 'Model');
    const [readable] = await readableModels(this.dataSource, ability, { limit: 1, name });
    // The same answer as for a model that does not exist, as the gateway gives: no probing of the catalogue.
    if (!readable) throw new ProblemError('model.unknown');
    const [versions, canaries] = await Promise.all([
      this.registry.listVersions(readable.id),
      this.canaries.runningCanaries([readable.id]),
    ]);
    const readsVersions = ability.can('read', modelVersionSubject(registrySubjectOf(readable)));
    return {
      ...readable,
      versions: readsVersions ? versions : versions.map(versionSummary),
      canary: canaries.get(readable.id) ?? null,
    };
  }

  /** Changes what the model is for; versions under review must be signed again. Audited. */
  @Put(':name')
  async updateModel(
    @CurrentPrincipal() principal: Principal,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
    @Body(new ZodPipe(modelDescriptionBody)) body: z.infer<typeof modelDescriptionBody>,
  ) {
    requireRegistryPermission(principal, 'register');
    return audited(
      this.trail,
      principal,
      'model.changed',
      { model: name },
      async () => {
        await modelInScope(this.registry, principal, 'register', name);
        // Nor may the change carry the model beyond the caller's scope (its departments, its risk class).
        requireAnyAbilityOnModel(principal, ['register'], registrySubjectOf({ ...body, name }));
        return this.registry.updateModel(name, body);
      },
      (model) => intendedUseSha256(model),
    );
  }

  @Post(':name/versions')
  @HttpCode(201)
  async registerVersion(
    @CurrentPrincipal() principal: Principal,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
    @Body(new ZodPipe(versionBody)) body: z.infer<typeof versionBody>,
  ) {
    requireRegistryPermission(principal, 'register');
    const subject = { model: name, modelVersion: body.content.version };
    return audited(
      this.trail,
      principal,
      'model_version.registered',
      subject,
      async () =>
        this.registry.createVersion(
          await modelInScope(this.registry, principal, 'register', name),
          body,
          principal.subject,
        ),
      (version) => version.manifestSha256,
    );
  }

  @Get(':name/versions/:version')
  async getVersion(
    @CurrentPrincipal() principal: Principal,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
    @Param('version', new ZodPipe(versionParam)) version: string,
  ) {
    await modelInScope(this.registry, principal, 'read', name);
    const found = await this.registry.getVersion(name, version);
    const { record, sha256 } = await this.lifecycle.currentRecord(found.version);
    return { ...found.version, approvalRecord: record, approvalRecordSha256: sha256 };
  }

  /** Changes a draft; refused (`model_version.immutable`) and audited for anything past draft. */
  @Put(':name/versions/:version')
  async updateVersion(
    @CurrentPrincipal() principal: Principal,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
    @Param('version', new ZodPipe(versionParam)) version: string,
    @Body(new ZodPipe(versionBody)) body: z.infer<typeof versionBody>,
  ) {
    requireRegistryPermission(principal, 'register');
    return audited(
      this.trail,
      principal,
      'model_version.changed',
      { model: name, modelVersion: version },
      async () => {
        await modelInScope(this.registry, principal, 'register', name);
        return this.registry.updateDraft(name, version, body);
      },
      (updated) => updated.manifestSha256,
    );
  }

  @Get(':name/versions/:version/diff')
  async diff(
    @CurrentPrincipal() principal: Principal,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
    @Param('version', new ZodPipe(versionParam)) version: string,
    @Query(new ZodPipe(diffQuery)) query: z.infer<typeof diffQuery>,
  ) {
    await modelInScope(this.registry, principal, 'read', name);
    return {
      from: query.against,
      to: version,
      changes: await this.registry.diffVersions(name, query.against, version),
    };
  }

  @Post(':name/versions/:version/transitions')
  @HttpCode(200)
  async transition(
    @CurrentPrincipal() principal: Principal,
    @CurrentAbility() ability: AppAbility,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
    @Param('version', new ZodPipe(versionParam)) version: string,
    @Body(new ZodPipe(transitionBody)) body: z.infer<typeof transitionBody>,
  ) {
    requireRegistryPermission(principal, permissionsFor(body.action));
    const result = await audited(
      this.trail,
      principal,
      `model_version.${body.action}`,
      { model: name, modelVersion: version },
      async () => {
        const model = await modelInScope(this.registry, principal, permissionsFor(body.action), name);
        const found = await this.registry.getVersion(name, version);
        return this.lifecycle.transition(
          found.version.id,
          body.action,
          principal.subject,
          body.reason,
          heldPermissions(ability, registrySubjectOf(model)),
        );
      },
      (step) => step.recordSha256,
    );
    // Suspending (the stop button) or retiring the deployed version stops the model's canary too.
    if (result.stoppedCanary)
      await auditSuccess(this.trail, principal, 'model.canary_stop', {
        model: name,
        modelVersion: result.stoppedCanary.version,
      });
    return result;
  }

  @Get(':name/versions/:version/history')
  async history(
    @CurrentPrincipal() principal: Principal,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
    @Param('version', new ZodPipe(versionParam)) version: string,
  ) {
    await modelInScope(this.registry, principal, 'read', name);
    const found = await this.registry.getVersion(name, version);
    return {
      transitions: await this.lifecycle.history(found.version.id),
      signatures: await this.signatures.list(found.version.id),
    };
  }

  /** Signs the version's current approval record; needs the signer's signing PIN (re-authentication). */
  @Post(':name/versions/:version/signatures')
  @HttpCode(201)
  async sign(
    @CurrentPrincipal() principal: Principal,
    @Param('name', new ZodPipe(modelNameParam)) name: string,
    @Param('version', new ZodPipe(versionParam)) version: string,
    @Body(new ZodPipe(signatureBody)) body: z.infer<typeof signatureBody>,
  ) {
    requireRegistryPermission(principal, 'sign');
    const signature = await audited(
      this.trail,
      principal,
      'model_version.signed',
      { model: name, modelVersion: version },
      async () => {
        await modelInScope(this.registry, principal, 'sign', name);
        return this.signatures.sign((await this.registry.getVersion(name, version)).version, principal, body);
      },
      (signed) => signed.signatureSha256,
    );
    return signature;
  }
}
