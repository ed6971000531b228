import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { z } from 'zod';
import type { Principal } from '@praesidium/access';
import { AuditTrail } from '@praesidium/audit';
import { ConsentService, toFhirConsent, type ConsentEntity } from '@praesidium/consent';
import { ZodPipe } from '@praesidium/problem';
import { CurrentPrincipal, PrincipalGuard, requireAbility } from '../auth/principal.guard.js';

const patientQuery = z.object({ patient: z.string().min(1).max(256) }).strict();

/** Clinicians record, read and revoke patient consents (FHIR R4 Consent JSON). */
@Controller('consents')
@UseGuards(PrincipalGuard)
export class ConsentController {
  constructor(
    private readonly consents: ConsentService,
    private readonly trail: AuditTrail,
  ) {}

  @Post()
  @HttpCode(201)
  async record(@CurrentPrincipal() principal: Principal, @Body() resource: unknown) {
    requireAbility(principal, 'record', 'Consent');
    return this.audited(
      'consent.recorded',
      principal,
      await this.consents.recordConsent(resource, principal.subject),
    );
  }

  /** The consents of the patient whose reference the clinician typed, as FHIR R4 resources. */
  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodPipe(patientQuery)) query: z.infer<typeof patientQuery>,
  ) {
    requireAbility(principal, 'read', 'Consent');
    const consents = await this.consents.listForPatient(query.patient);
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      total: consents.length,
      entry: consents.map((c) => ({ resource: toFhirConsent(c, query.patient) })),
    };
  }

  /** Revocation applies to the very next inference: the gateway reads consent on every call. */
  @Post(':id/revoke')
  @HttpCode(200)
  async revoke(@CurrentPrincipal() principal: Principal, @Param('id', new ParseUUIDPipe()) id: string) {
    requireAbility(principal, 'record', 'Consent');
    return this.audited('consent.revoked', principal, await this.consents.revokeConsent(id));
  }

  private async audited(action: string, principal: Principal, consent: ConsentEntity) {
    await this.trail.append({
      action,
      outcome: 'success',
      agent: { subject: principal.subject, roles: principal.roles },
      entity: {
        patientPseudonym: consent.patientPseudonym,
        consentId: consent.id,
        consentVersion: consent.version,
      },
    });
    return { id: consent.id, version: consent.version, status: consent.status };
  }
}
