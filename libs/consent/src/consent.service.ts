import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { Repository } from 'typeorm';
import { CONFIG, type PraesidiumConfig } from '@praesidium/config';
import { FhirSchema } from '@praesidium/fhir';
import { Pseudonymizer } from '@praesidium/keys';
import { ProblemError } from '@praesidium/problem';
import { decideConsent, type ConsentDecision, type ConsentQuestion } from './consent-decision.js';
import { ConsentEntity } from './consent.entity.js';
import { fhirConsentSchema, type FhirConsentInput } from './dto/fhir-consent.schema.js';

@Injectable()
export class ConsentService {
  /** Compiled on the first import only: the gateway, which never records consents, never pays for it. */
  private fhir: FhirSchema | undefined;

  constructor(
    @InjectRepository(ConsentEntity) private readonly consents: Repository<ConsentEntity>,
    private readonly pseudonymizer: Pseudonymizer,
    @Inject(CONFIG) private readonly config: PraesidiumConfig,
  ) {}

  pseudonymize(patientReference: string): string {
    return this.pseudonymizer.pseudonymize(patientReference);
  }

  /** The consent decision for one patient and question; see `decideConsent` for the algorithm. */
  async decide(patientPseudonym: string, question: ConsentQuestion): Promise<ConsentDecision> {
    const rows = await this.consents.find({ where: { patientPseudonym } });
    return decideConsent(rows, question, this.config.consent.defaultPermit);
  }

  /** Stores a FHIR R4 Consent; the patient reference is kept only as its pseudonym. */
  async recordConsent(resource: unknown, recordedBy: string): Promise<ConsentEntity> {
    // First the standard (every R4 rule, each problem by JSON path), then what this store can decide on.
    this.fhir ??= new FhirSchema();
    const problems = this.fhir.validate('Consent', resource);
    if (problems.length > 0)
      throw new ProblemError('request.invalid', 'not a valid FHIR R4 Consent', problems);
    const parsed = fhirConsentSchema.safeParse(resource);
    if (!parsed.success) {
      throw new ProblemError(
        'request.invalid',
        'not a valid FHIR R4 Consent',
        parsed.error.issues.map((issue) => ({ path: `$.${issue.path.join('.')}`, message: issue.message })),
      );
    }
    const consent = parsed.data;
    const entity: ConsentEntity = {
      id: randomUUID(),
      patientPseudonym: this.pseudonymize(consent.patient.reference),
      status: consent.status,
      scope: consent.scope.coding[0].code,
      dateTime: new Date(consent.dateTime),
      provision: consent.provision,
      version: 1,
      recordedBy,
      updatedAt: new Date(),
    };
    await this.consents.insert(entity);
    return entity;
  }

  async listForPatient(patientReference: string): Promise<ConsentEntity[]> {
    return this.consents.find({
      where: { patientPseudonym: this.pseudonymize(patientReference) },
      order: { dateTime: 'DESC' },
    });
  }

  /** Revocation takes effect on the next decision: decisions always read the store. */
  async revokeConsent(id: string): Promise<ConsentEntity> {
    const existing = await this.consents.findOne({ where: { id } });
    if (!existing) throw new ProblemError('request.not_found', 'no such consent');
    const revoked = {
      ...existing,
      status: 'inactive' as const,
      version: existing.version + 1,
      updatedAt: new Date(),
    };
    await this.consents.update({ id, version: existing.version }, revoked);
    return revoked;
  }
}

/** A stored consent as FHIR R4 JSON, for the patient reference the caller asked about. */
export function toFhirConsent(
  entity: ConsentEntity,
  patientReference: string,
): FhirConsentInput & { id: string } {
  return {
    resourceType: 'Consent',
    id: entity.id,
    status: entity.status,
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: entity.scope }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    patient: { reference: patientReference },
    dateTime: entity.dateTime.toISOString(),
    provision: entity.provision as FhirConsentInput['provision'],
  };
}
