import { Body, Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { PolicyStore, type Principal } from '@praesidium/access';
import { AuditTrail } from '@praesidium/audit';
import { ClientKeyDirectory, JweError, type Jwk } from '@praesidium/keys';
import { ProblemError } from '@praesidium/problem';
import { ZodPipe } from '@praesidium/problem';
import { CurrentPrincipal, PrincipalGuard } from '../auth/principal.guard.js';

const member = z.string().min(1).max(2048);
/** A public JWK's shape; what it means (curve, modulus size, no private part) jose.ts checks. */
export const registration = z
  .object({
    jwk: z
      .object({
        kty: z.enum(['EC', 'RSA']),
        use: z.literal('enc'),
        kid: z
          .string()
          .regex(/^[A-Za-z0-9._:-]{1,128}$/)
          .optional(),
        alg: z.enum(['ECDH-ES', 'RSA-OAEP-256']).optional(),
        crv: member.optional(),
        x: member.optional(),
        y: member.optional(),
        n: member.optional(),
        e: member.optional(),
      })
      .strict(),
  })
  .strict();

/**
 * Where a caller registers the public key its encrypted responses (`Accept: application/jose`) are
 * encrypted to. Each principal registers its own key, for its own issuer and subject: nobody can make
 * the gateway encrypt someone else's answers to a key of their choosing. Registering again replaces
 * the key (the client's own rotation). Registrations are audited.
 */
@Controller('client-keys')
@UseGuards(PrincipalGuard)
export class ClientKeysController {
  constructor(
    private readonly directory: ClientKeyDirectory,
    private readonly trail: AuditTrail,
    private readonly policies: PolicyStore,
  ) {}

  @Post()
  @HttpCode(201)
  async register(
    @CurrentPrincipal() principal: Principal,
    @Body(new ZodPipe(registration)) body: z.infer<typeof registration>,
  ) {
    const registered = await this.directory
      .register({ issuer: principal.issuer, subject: principal.subject }, body.jwk as Jwk)
      .catch((error: unknown) => {
        if (error instanceof JweError) throw new ProblemError('client_key.invalid', error.message);
        throw error;
      });
    await this.trail.append({
      action: 'client_key.registered',
      outcome: 'success',
      agent: { subject: principal.subject, issuer: principal.issuer, roles: principal.roles },
      entity: { policyVersion: this.policies.activeVersion() },
    });
    return registered;
  }

  /** The caller's own registered key. */
  @Get()
  async mine(@CurrentPrincipal() principal: Principal) {
    const key = await this.directory.find({ issuer: principal.issuer, subject: principal.subject });
    if (!key) throw new ProblemError('request.not_found', 'no key is registered for you');
    return key;
  }
}
