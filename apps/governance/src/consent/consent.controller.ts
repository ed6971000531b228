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
import { permittedFieldsOf } from '@casl/ability/extra';
import { SUBJECT_FIELDS, type AppAbility, type Principal } from '@praesidium/access';
import { AuditTrail } from '@praesidium/audit';
import { ConsentService, toFhirConsent, type ConsentEntity } from '@praesidium/consent';
import { ZodPipe } from '@praesidium/problem';
import { CurrentAbility, CurrentPrincipal, PrincipalGuard, requireAbility } from '../auth/principal.guard.js';

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

  /**
   * The consents of the patient whose reference the caller typed, as FHIR R4 resources, with only the
   * fields the policy lets the caller read: a security officer sees the metadata, and the provisions
   * (the source document) are withheld and the resource labelled REDACTED.
   */
  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @CurrentAbility() ability: AppAbility,
    @Query(new ZodPipe(patientQuery)) query: z.infer<typeof patientQuery>,
  ) {
    requireAbility(principal, 'read', 'Consent');
    const fields = permittedFieldsOf(ability, 'read', 'Consent', {
      fieldsFrom: (rule) => rule.fields ?? [...SUBJECT_FIELDS.Consent],
    });
    const consents = await this.consents.listForPatient(query.patient);
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      total: consents.length,
      entry: consents.map((c) => ({ resource: readableConsent(toFhirConsent(c, query.patient), fields) })),
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

const REDACTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'REDACTED' };

/** The FHIR Consent without the source document when the policy does not grant its `provision` field. */
function readableConsent(resource: ReturnType<typeof toFhirConsent>, fields: readonly string[]) {
  if (fields.includes('provision')) return resource;
  const { provision: _withheld, ...metadata } = resource;
  return { ...metadata, meta: { security: [REDACTED] } };
}
