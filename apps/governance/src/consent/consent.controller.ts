import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  ParseUUIDPipe,
  Post,
  Put,
  Query,
  UseGuards,
} from '@nestjs/common';
import type { z } from 'zod';
import { permittedFieldsOf } from '@casl/ability/extra';
import { SUBJECT_FIELDS, type AppAbility, type Principal } from '@praesidium/access';
import { AuditTrail, type AuditEntity } from '@praesidium/audit';
import { CONFIG, type PraesidiumConfig } from '@praesidium/config';
import { ConsentService, toFhirConsent, type ConsentVersionEntity } from '@praesidium/consent';
import { ZodPipe } from '@praesidium/problem';
import { auditAgent, auditingRefusal } from '../audit/refusal-audit.js';
import { CurrentAbility, CurrentPrincipal, PrincipalGuard, requireAbility } from '../auth/principal.guard.js';
import {
  changeQuery,
  decisionQuery,
  exportQuery,
  patientQuery,
  questionOf,
  revokeQuery,
} from './consent-queries.js';

type ChangeQuery = z.infer<typeof changeQuery>;

/**
 * Clinicians record, amend, revoke and read patient consents (FHIR R4 Consent JSON), and ask why a use
 * is refused. Every change is a new version; the patient is typed by the user, kept only as a
 * pseudonym, and never echoed back but inside the FHIR resources the user asked for.
 */
@Controller('consents')
@UseGuards(PrincipalGuard)
export class ConsentController {
  constructor(
    private readonly consents: ConsentService,
    private readonly trail: AuditTrail,
    @Inject(CONFIG) private readonly config: PraesidiumConfig,
  ) {}

  @Post()
  @HttpCode(201)
  async record(
    @CurrentPrincipal() principal: Principal,
    @Body() resource: unknown,
    @Query(new ZodPipe(changeQuery)) query: ChangeQuery,
  ) {
    const recorded = await this.refusalAudited('consent.recorded', principal, {}, () => {
      requireAbility(principal, 'record', 'Consent');
      return this.consents.recordConsent(resource, actor(principal, query));
    });
    return this.changed('consent.recorded', principal, recorded);
  }

  /** A new version of the consent from a whole new resource about the same patient. */
  @Put(':id')
  async amend(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() resource: unknown,
    @Query(new ZodPipe(changeQuery)) query: ChangeQuery,
  ) {
    const amended = await this.refusalAudited('consent.amended', principal, { consentId: id }, () => {
      requireAbility(principal, 'record', 'Consent');
      return this.consents.amendConsent(id, resource, actor(principal, query));
    });
    return this.changed('consent.amended', principal, amended);
  }

  /**
   * Revocation reaches every gateway within a second (change feed) and refuses what the consent allowed.
   * Like reading, it needs the patient's reference: another patient's consent is not found.
   */
  @Post(':id/revoke')
  @HttpCode(200)
  async revoke(
    @CurrentPrincipal() principal: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query(new ZodPipe(revokeQuery)) query: z.infer<typeof revokeQuery>,
  ) {
    // The patient the caller named, who may not be the consent's: what the attempt was about.
    const attempted = { consentId: id, patientPseudonym: this.consents.pseudonymize(query.patient) };
    const revoked = await this.refusalAudited('consent.revoked', principal, attempted, () => {
      requireAbility(principal, 'record', 'Consent');
      return this.consents.revokeConsent(id, query.patient, actor(principal, query));
    });
    return this.changed('consent.revoked', principal, revoked);
  }

  /**
   * The consents of the patient whose reference the caller typed, latest versions, as FHIR R4, with
   * only the fields the policy lets the caller read: a security officer sees the metadata, while the
   * provisions and the source document are withheld and the resource labelled REDACTED.
   */
  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @CurrentAbility() ability: AppAbility,
    @Query(new ZodPipe(patientQuery)) query: z.infer<typeof patientQuery>,
  ) {
    requireAbility(principal, 'read', 'Consent');
    const fields = readableFields(ability);
    const consents = await this.consents.listForPatient(query.patient);
    // A read of a patient's consents is an access to their record: who read it is audited.
    await this.audit('consent.listed', principal, {
      patientPseudonym: this.consents.pseudonymize(query.patient),
    });
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      total: consents.length,
      entry: consents.map((version) => ({
        resource: readableConsent(toFhirConsent(version, query.patient), fields),
      })),
    };
  }

  /** "Why was this refused?": the decision for a purpose and model, and what each consent said. */
  @Get('decision')
  async decision(
    @CurrentPrincipal() principal: Principal,
    @Query(new ZodPipe(decisionQuery)) query: z.infer<typeof decisionQuery>,
  ) {
    requireAbility(principal, 'read', 'Consent');
    const explanation = await this.consents.explain(
      query.patient,
      questionOf(query, principal, this.config.consent.practitionerIssuer),
    );
    await this.audit('consent.explained', principal, {
      patientPseudonym: this.consents.pseudonymize(query.patient),
      consentId: explanation.consentId,
      consentVersion: explanation.consentVersion,
      provisionPath: explanation.provisionPath,
    });
    return { purpose: query.purpose, model: query.model, ...explanation };
  }

  /** One consent (latest or `version`) as a FHIR R4 Consent, its source document included. */
  @Get(':id')
  async export(
    @CurrentPrincipal() principal: Principal,
    @CurrentAbility() ability: AppAbility,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query(new ZodPipe(exportQuery)) query: z.infer<typeof exportQuery>,
  ) {
    requireAbility(principal, 'read', 'Consent');
    const resource = await this.consents.exportConsent(id, query.patient, query.version);
    await this.audit('consent.exported', principal, {
      patientPseudonym: this.consents.pseudonymize(query.patient),
      consentId: id,
      consentVersion: Number((resource.meta as { versionId: string }).versionId),
    });
    return readableConsent(resource, readableFields(ability));
  }

  /** Every version of a consent: what changed, when, by whom and how it was verified. */
  @Get(':id/history')
  async history(
    @CurrentPrincipal() principal: Principal,
    @CurrentAbility() ability: AppAbility,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query(new ZodPipe(patientQuery)) query: z.infer<typeof patientQuery>,
  ) {
    requireAbility(principal, 'read', 'Consent');
    const versions = await this.consents.history(id, query.patient);
    await this.audit('consent.history_read', principal, {
      patientPseudonym: this.consents.pseudonymize(query.patient),
      consentId: id,
    });
    const fields = readableFields(ability);
    return {
      resourceType: 'Bundle',
      type: 'history',
      total: versions.length,
      entry: versions.map((version) => ({
        resource: readableConsent(toFhirConsent(version, query.patient), fields),
        change: version.change,
        recordedBy: version.recordedBy,
        verificationMethod: version.verificationMethod ?? undefined,
        recordedAt: version.recordedAt.toISOString(),
      })),
    };
  }

  private async changed(action: string, principal: Principal, version: ConsentVersionEntity) {
    await this.audit(action, principal, {
      patientPseudonym: version.patientPseudonym,
      consentId: version.consentId,
      consentVersion: version.version,
    });
    return { id: version.consentId, version: version.version, status: version.status };
  }

  private async audit(action: string, principal: Principal, entity: AuditEntity): Promise<void> {
    await this.trail.append({ action, outcome: 'success', agent: auditAgent(principal), entity });
  }

  /**
   * A consent change, with its refusal audited before it reaches the caller (an attempt on a consent
   * the caller may not change, or one of another patient, leaves a trace for the security officer).
   */
  private refusalAudited<T>(
    action: string,
    principal: Principal,
    entity: AuditEntity,
    change: () => Promise<T>,
  ): Promise<T> {
    return auditingRefusal(this.trail, action, principal, entity, change);
  }
}

function actor(principal: Principal, query: ChangeQuery) {
  return { recordedBy: principal.subject, verificationMethod: query.verification };
}

/** The Consent fields the caller's policy lets it read. */
function readableFields(ability: AppAbility): readonly string[] {
  return permittedFieldsOf(ability, 'read', 'Consent', {
    fieldsFrom: (rule) => rule.fields ?? [...SUBJECT_FIELDS.Consent],
  });
}

const REDACTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'REDACTED' };
/** Consent fields that carry what the patient agreed to, rather than metadata about it. */
const CONTENT_FIELDS = ['provision', 'sourceAttachment'] as const;

/** The FHIR Consent without the content fields the policy does not grant, labelled REDACTED if any. */
function readableConsent(resource: object, fields: readonly string[]): object {
  const withheld = CONTENT_FIELDS.filter((field) => !fields.includes(field) && field in resource);
  if (withheld.length === 0) return resource;
  const readable: Record<string, unknown> = { ...resource };
  for (const field of withheld) delete readable[field];
  const meta = (readable.meta ?? {}) as Record<string, unknown>;
  return { ...readable, meta: { ...meta, security: [REDACTED] } };
}
