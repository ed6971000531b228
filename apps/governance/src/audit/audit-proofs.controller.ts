import { Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import type { Principal } from '@praesidium/access';
import { AuditCheckpoints, AuditTrail } from '@praesidium/audit';
import { ProblemError, ZodPipe } from '@praesidium/problem';
import { CurrentPrincipal, PrincipalGuard, requireAbility } from '../auth/principal.guard.js';

export const inclusionQuery = z
  .object({
    stream: z.string().min(1).max(200),
    seq: z.coerce.number().int().min(1),
    checkpoint: z.coerce.number().int().min(1).optional(),
  })
  .strict();
export const consistencyQuery = z
  .object({ from: z.coerce.number().int().min(1), to: z.coerce.number().int().min(1) })
  .strict();

/** Signed checkpoints and the proofs an inspector checks them with (docs/audit-verification.md). */
@Controller('audit')
export class AuditProofsController {
  constructor(
    private readonly checkpoints: AuditCheckpoints,
    private readonly trail: AuditTrail,
  ) {}

  /** The public keys checkpoints are signed with: public on purpose, so anyone can verify. */
  @Get('checkpoint-keys.json')
  keys() {
    return this.checkpoints.publicKeys();
  }

  @Get('checkpoints/latest')
  @UseGuards(PrincipalGuard)
  async latest(@CurrentPrincipal() principal: Principal) {
    requireAbility(principal, 'read', 'AuditTrail');
    const latest = await this.checkpoints.latest();
    if (!latest) throw new ProblemError('request.not_found', 'no checkpoint yet');
    return latest;
  }

  /** Signs a checkpoint now instead of waiting for the timer. */
  @Post('checkpoints')
  @HttpCode(200)
  @UseGuards(PrincipalGuard)
  async create(@CurrentPrincipal() principal: Principal) {
    requireAbility(principal, 'verify', 'AuditTrail');
    const checkpoint = await this.checkpoints.createCheckpoint();
    await this.trail.append({
      action: 'audit.checkpointed',
      outcome: 'success',
      agent: { subject: principal.subject, issuer: principal.issuer, roles: principal.roles },
    });
    return { checkpoint: checkpoint ?? null };
  }

  @Get('proofs/inclusion')
  @UseGuards(PrincipalGuard)
  async inclusion(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodPipe(inclusionQuery)) query: z.infer<typeof inclusionQuery>,
  ) {
    requireAbility(principal, 'read', 'AuditTrail');
    const proof = await this.checkpoints.inclusionProof(query.stream, query.seq, query.checkpoint);
    if (!proof) throw new ProblemError('request.not_found', 'the record is not in that checkpoint (yet)');
    return proof;
  }

  @Get('proofs/consistency')
  @UseGuards(PrincipalGuard)
  async consistency(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodPipe(consistencyQuery)) query: z.infer<typeof consistencyQuery>,
  ) {
    requireAbility(principal, 'read', 'AuditTrail');
    const proof = await this.checkpoints.consistencyProof(query.from, query.to);
    if (!proof) throw new ProblemError('request.not_found', 'no such pair of checkpoints');
    return proof;
  }
}
