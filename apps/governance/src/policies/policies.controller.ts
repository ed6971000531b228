import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { diffPolicies, PolicyStore, PolicyVersions, type Principal } from '@praesidium/access';
import { AuditTrail } from '@praesidium/audit';
import { contentHash } from '@praesidium/digest';
import { ZodPipe } from '@praesidium/problem';
import { auditingRefusal } from '../audit/refusal-audit.js';
import { CurrentPrincipal, PrincipalGuard, requireAbility } from '../auth/principal.guard.js';

const versionParam = z.coerce.number().int().min(1).max(2_147_483_647);
export const proposal = z
  .object({
    document: z.unknown(),
    reason: z.string().trim().min(1).max(2000),
  })
  .strict();
export const diffQuery = z.object({ against: versionParam }).strict();

/**
 * Access policy as versioned data under four-eyes control: one security officer proposes, another
 * approves, which activates the version everywhere. Each change is audited.
 */
@Controller('policies')
@UseGuards(PrincipalGuard)
export class PoliciesController {
  constructor(
    private readonly versions: PolicyVersions,
    private readonly store: PolicyStore,
    private readonly trail: AuditTrail,
  ) {}

  /** A new version; refused with `policy.invalid` (and the JSON path of each problem) unless it validates. */
  @Post()
  @HttpCode(201)
  async propose(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodPipe(proposal)) body: z.infer<typeof proposal>,
  ) {
    // A refused proposal (no permission, an invalid document) leaves a trace before it is answered.
    const proposed = await auditingRefusal(this.trail, 'policy.proposed', principal, {}, () => {
      requireAbility(principal, 'propose', 'Policy');
      return this.versions.proposePolicy(body.document, principal.subject, body.reason);
    });
    // The record is bound to what was proposed, reason included: recompute from the stored version.
    await this.audited('policy.proposed', principal, proposed.version, contentHash(body));
    return proposed;
  }

  /** Activates a proposed version; its author may not approve it (`policy.four_eyes`). */
  @Post(':version/approve')
  @HttpCode(200)
  async approve(
    @CurrentPrincipal() principal: Principal,
    @Param('version', new ZodPipe(versionParam)) version: number,
  ) {
    // A refused approval (no permission, four eyes, stale, already active) leaves a trace before it
    // is answered.
    const activated = await auditingRefusal(
      this.trail,
      'policy.activated',
      principal,
      { policyVersion: version },
      () => {
        requireAbility(principal, 'approve', 'Policy');
        return this.versions.approvePolicy(version, principal.subject);
      },
    );
    await this.store.refresh(version);
    await this.audited('policy.activated', principal, version);
    return activated;
  }

  @Get()
  async list(@CurrentPrincipal() principal: Principal) {
    requireAbility(principal, 'read', 'Policy');
    return { active: this.store.active().version, versions: await this.versions.listVersions() };
  }

  @Get('active')
  async active(@CurrentPrincipal() principal: Principal) {
    requireAbility(principal, 'read', 'Policy');
    return this.versions.getVersion(this.store.active().version);
  }

  @Get(':version')
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('version', new ZodPipe(versionParam)) version: number,
  ) {
    requireAbility(principal, 'read', 'Policy');
    return this.versions.getVersion(version);
  }

  /** Per role, the rules `version` adds to and removes from version `against`. */
  @Get(':version/diff')
  async diff(
    @CurrentPrincipal() principal: Principal,
    @Param('version', new ZodPipe(versionParam)) version: number,
    @Query(new ZodPipe(diffQuery)) query: z.infer<typeof diffQuery>,
  ) {
    requireAbility(principal, 'read', 'Policy');
    const [from, to] = await Promise.all([
      this.versions.getVersion(query.against),
      this.versions.getVersion(version),
    ]);
    return { from: from.version, to: to.version, roles: diffPolicies(from.document, to.document) };
  }

  private async audited(
    action: string,
    principal: Principal,
    policyVersion: number,
    requestSha256?: string,
  ): Promise<void> {
    await this.trail.append({
      requestSha256,
      action,
      outcome: 'success',
      agent: { subject: principal.subject, issuer: principal.issuer, roles: principal.roles },
      entity: { policyVersion },
    });
  }
}
