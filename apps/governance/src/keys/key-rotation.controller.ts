import { Body, Controller, Get, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import type { Principal } from '@praesidium/access';
import { AuditTrail } from '@praesidium/audit';
import { CONFIG, type PraesidiumConfig } from '@praesidium/config';
import { isRetired, KeyStore, type KeyPurpose } from '@praesidium/keys';
import { ZodPipe } from '@praesidium/problem';
import { CurrentPrincipal, PrincipalGuard, requireAbility } from '../auth/principal.guard.js';

/** Purposes rotated here with a grace period, as `praesidium keys rotate` does; running gateways follow. */
export const ROTATABLE_PURPOSES = ['gateway-encryption'] as const satisfies readonly KeyPurpose[];

const purposeParam = z.enum(ROTATABLE_PURPOSES);
export const rotationBody = z
  .object({
    graceSeconds: z
      .number()
      .int()
      .min(0)
      .max(90 * 86400)
      .optional(),
  })
  .strict()
  .optional();

/** One key as a security officer sees it: never its private part. */
export interface KeySummary {
  readonly kid: string | undefined;
  readonly alg: string | undefined;
  readonly createdAt: string;
  readonly retiresAt: string | null;
  readonly state: 'current' | 'grace' | 'retired';
}

/**
 * Key rotation for security officers (policy `rotate` on `Key`): the same operation as the CLI's
 * `keys rotate`, with the superseded keys still decrypting for the grace period. Audited.
 */
@Controller('keys')
@UseGuards(PrincipalGuard)
export class KeyRotationController {
  constructor(
    private readonly trail: AuditTrail,
    @Inject(CONFIG) private readonly config: PraesidiumConfig,
  ) {}

  @Get(':purpose')
  async list(
    @CurrentPrincipal() principal: Principal,
    @Param('purpose', new ZodPipe(purposeParam)) purpose: z.infer<typeof purposeParam>,
  ) {
    requireAbility(principal, 'rotate', 'Key');
    return { purpose, keys: summarize(await KeyStore.openOrCreate(this.config.dataDir), purpose) };
  }

  @Post(':purpose/rotations')
  @HttpCode(201)
  async rotate(
    @CurrentPrincipal() principal: Principal,
    @Param('purpose', new ZodPipe(purposeParam)) purpose: z.infer<typeof purposeParam>,
    @Body(new ZodPipe(rotationBody)) body: z.infer<typeof rotationBody>,
  ) {
    requireAbility(principal, 'rotate', 'Key');
    const graceSeconds = body?.graceSeconds ?? this.config.keys.graceSeconds;
    const store = await KeyStore.rotateWithGrace(this.config.dataDir, purpose, graceSeconds);
    const keys = summarize(store, purpose);
    await this.trail.append({
      action: 'keys.rotated',
      outcome: 'success',
      agent: { subject: principal.subject, issuer: principal.issuer, roles: principal.roles },
      entity: {
        keyPurpose: purpose,
        keyIds: keys.flatMap((key) => (key.state === 'current' && key.kid ? [key.kid] : [])),
      },
    });
    return { purpose, graceSeconds, keys };
  }
}

function summarize(store: KeyStore, purpose: KeyPurpose): KeySummary[] {
  const now = new Date();
  const current = new Set(store.currentKeys(purpose).map((key) => key.kid));
  return store.keysOf(purpose).map((key) => ({
    kid: key.jwk.kid,
    alg: key.jwk.alg,
    createdAt: key.createdAt,
    retiresAt: key.retiresAt ?? null,
    state: current.has(key.jwk.kid) ? 'current' : isRetired(key, now) ? 'retired' : 'grace',
  }));
}
