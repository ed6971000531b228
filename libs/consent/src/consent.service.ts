import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { FhirSchema } from '@praesidium/fhir';
import type { Pseudonymizer } from '@praesidium/keys';
import { ProblemError } from '@praesidium/problem';
import type { ConsentCache } from './consent-cache.js';
import {
  decideConsent,
  explainConsent,
  type ConsentDecision,
  type ConsentExplanation,
  type ConsentQuestion,
} from './consent-decision.js';
import type { CodeableConcept, ConsentRecord, ConsentStatus, Provision } from './consent-provision.js';
import type { ConsentStore } from './consent-store.js';
import type { ConsentChange, ConsentVersionEntity } from './consent-version.entity.js';
import type { DocumentVault } from './document-vault.js';
import { fhirConsentSchema } from './dto/fhir-consent.schema.js';
import {
  decodeDocument,
  encodeDocument,
  splitFhirConsent,
  toFhirConsent,
  type SourceDocument,
} from './fhir-consent.js';
import type { SourceDocumentEntity } from './source-document.entity.js';

/** Clock difference allowed between the recording client and this server for a consent's dateTime. */
const FUTURE_TOLERANCE_MS = 5 * 60 * 1000;

/** How the person recording a consent verified it. */
export const VERIFICATION_METHODS = [
  'in-person',
  'signed-form',
  'electronic-signature',
  'telephone',
  'legal-representative',
] as const;
export type VerificationMethod = (typeof VERIFICATION_METHODS)[number];

/** Who records a change, and how they verified it. */
export interface ConsentActor {
  readonly recordedBy: string;
  readonly verificationMethod?: VerificationMethod;
}

/**
 * Patient consent use cases: record, amend, revoke (each a new version), look up, explain, export as
 * FHIR, and decide for the gateway through a cache kept true by the change feed.
 */
export class ConsentService {
  /** Compiled on the first import only: the gateway, which never records consents, never pays for it. */
  private fhir: FhirSchema | undefined;

  constructor(
    private readonly store: ConsentStore,
    private readonly cache: ConsentCache,
    private readonly vault: DocumentVault,
    private readonly pseudonymizer: Pseudonymizer,
    private readonly defaultPermit: readonly string[],
    /** The site's time zone for consent dates without a time (`PRAESIDIUM_CONSENT_TIME_ZONE`). */
    private readonly dateTimeZone?: string,
  ) {}

  pseudonymize(patientReference: string): string {
    return this.pseudonymizer.pseudonymize(patientReference);
  }

  /** The consent decision for one patient and question, from the cache; see `decideConsent`. */
  async decide(patientPseudonym: string, question: ConsentQuestion): Promise<ConsentDecision> {
    const records = await this.cache.getOrLoad(patientPseudonym, async () =>
      (await this.store.latestForPatient(patientPseudonym)).map(toRecord),
    );
    return decideConsent(records, this.inSiteZone(question), this.defaultPermit);
  }

  /** "Why was this refused?": the decision and what each consent of the patient said, read afresh. */
  async explain(patientReference: string, question: ConsentQuestion): Promise<ConsentExplanation> {
    const versions = await this.store.latestForPatient(this.pseudonymize(patientReference));
    return explainConsent(versions.map(toRecord), this.inSiteZone(question), this.defaultPermit);
  }

  private inSiteZone(question: ConsentQuestion): ConsentQuestion {
    return this.dateTimeZone === undefined ? question : { ...question, dateTimeZone: this.dateTimeZone };
  }

  /** Stores a FHIR R4 Consent as version 1 of a new consent. */
  async recordConsent(resource: unknown, actor: ConsentActor): Promise<ConsentVersionEntity> {
    const parsed = this.validate(resource);
    return this.appendVersion(randomUUID(), 1, parsed, 'recorded', actor, undefined);
  }

  /**
   * A new version of a consent from a whole new resource about the same patient. As for reading and
   * revoking, a consent of another patient is answered as if it did not exist: an id learnt elsewhere
   * does not tell whether it is a consent.
   */
  async amendConsent(id: string, resource: unknown, actor: ConsentActor): Promise<ConsentVersionEntity> {
    const parsed = this.validate(resource);
    const latest = await this.store.latest(id);
    if (!latest || latest.patientPseudonym !== this.pseudonymize(parsed.patientReference))
      throw new ProblemError('request.not_found', 'no such consent for this patient');
    return this.appendVersion(id, latest.version + 1, parsed, 'amended', actor, latest.documentId);
  }

  /**
   * Revocation is a new `inactive` version dated now; it refuses, from then on, what the consent allowed.
   * Revoking a consent that is no longer in force changes nothing (the revocation keeps its date). As
   * for reading, the user names the patient: a consent of another patient is answered as if it did not
   * exist, so an id learnt elsewhere (an audit record, a "why" answer) neither revokes nor reveals it.
   */
  async revokeConsent(
    id: string,
    patientReference: string,
    actor: ConsentActor,
  ): Promise<ConsentVersionEntity> {
    const latest = await this.store.latest(id);
    if (!latest || latest.patientPseudonym !== this.pseudonymize(patientReference))
      throw new ProblemError('request.not_found', 'no such consent for this patient');
    if (latest.status === 'inactive' || latest.status === 'rejected') return latest;
    const now = new Date();
    const revoked: ConsentVersionEntity = {
      ...latest,
      version: latest.version + 1,
      status: 'inactive',
      dateTime: now,
      resource: { ...latest.resource, status: 'inactive', dateTime: now.toISOString() },
      change: 'revoked',
      recordedBy: actor.recordedBy,
      verificationMethod: actor.verificationMethod ?? null,
      recordedAt: now,
    };
    await this.store.append(revoked);
    return revoked;
  }

  /** The latest version of each consent of the patient whose reference the user typed. */
  listForPatient(patientReference: string): Promise<ConsentVersionEntity[]> {
    return this.store.latestForPatient(this.pseudonymize(patientReference));
  }

  /** Every version of a consent, if it is the typed patient's (otherwise as if it did not exist). */
  async history(id: string, patientReference: string): Promise<ConsentVersionEntity[]> {
    const versions = await this.store.history(id);
    const pseudonym = this.pseudonymize(patientReference);
    if (versions.length === 0 || versions.some((v) => v.patientPseudonym !== pseudonym))
      throw new ProblemError('request.not_found', 'no such consent for this patient');
    return versions;
  }

  /** A version (the latest by default) as a FHIR R4 Consent, with its source document decrypted. */
  async exportConsent(
    id: string,
    patientReference: string,
    version?: number,
  ): Promise<Record<string, unknown>> {
    const versions = await this.history(id, patientReference);
    const chosen =
      version === undefined ? versions[versions.length - 1] : versions.find((v) => v.version === version);
    if (!chosen) throw new ProblemError('request.not_found', 'no such consent version');
    return toFhirConsent(chosen, patientReference, await this.openDocument(chosen.documentId));
  }

  /** Rewraps every document's data key under the current key-encryption key; the documents stay as they are. */
  async rewrapDocuments(batchSize = 100): Promise<{ rewrapped: number; kekId: string }> {
    const kekId = this.vault.currentKekId;
    let rewrapped = 0;
    for (;;) {
      const batch = await this.store.documentsNotUnder(kekId, batchSize);
      if (batch.length === 0) return { rewrapped, kekId };
      for (const document of batch) {
        const next = await this.vault.rewrap(document.id, document);
        if (
          next &&
          (await this.store.rewrapDocument(document.id, document.kekId, next.wrappedKey, next.kekId))
        )
          rewrapped += 1;
      }
    }
  }

  private async openDocument(documentId: string | null): Promise<SourceDocument | undefined> {
    if (!documentId) return undefined;
    const sealed = await this.store.document(documentId);
    if (!sealed) return undefined;
    return decodeDocument(await this.vault.open(documentId, sealed));
  }

  private async appendVersion(
    consentId: string,
    version: number,
    parsed: ValidConsent,
    change: ConsentChange,
    actor: ConsentActor,
    previousDocumentId: string | null | undefined,
  ): Promise<ConsentVersionEntity> {
    const split = splitFhirConsent(parsed.resource, parsed.patientReference);
    const document = split.document ? this.sealDocument(split.document) : undefined;
    const entity: ConsentVersionEntity = {
      consentId,
      version,
      patientPseudonym: this.pseudonymize(parsed.patientReference),
      status: parsed.status,
      scope: parsed.scope,
      dateTime: new Date(parsed.dateTime),
      provision: parsed.provision,
      resource: split.resource,
      documentId: document?.id ?? previousDocumentId ?? null,
      change,
      recordedBy: actor.recordedBy,
      verificationMethod: actor.verificationMethod ?? null,
      recordedAt: new Date(),
    };
    await this.store.append(entity, document);
    return entity;
  }

  private sealDocument(document: SourceDocument): SourceDocumentEntity {
    const id = randomUUID();
    return {
      id,
      sizeBytes: document.bytes.length,
      ...this.vault.seal(id, encodeDocument(document)),
      createdAt: new Date(),
      rewrappedAt: null,
    };
  }

  /** First the standard (every R4 rule, each problem by JSON path), then what this store decides on. */
  private validate(resource: unknown): ValidConsent {
    this.fhir ??= new FhirSchema();
    const problems = this.fhir.validate('Consent', resource);
    if (problems.length > 0)
      throw new ProblemError('request.invalid', 'not a valid FHIR R4 Consent', problems);
    const parsed = fhirConsentSchema.safeParse(resource);
    if (!parsed.success) {
      throw new ProblemError(
        'request.invalid',
        'not a valid FHIR R4 Consent',
        parsed.error.issues.map((issue) => ({ path: toJsonPath(issue.path), message: issue.message })),
      );
    }
    // The most recent consent speaks (consent-decision.ts): one dated ahead would outrank every
    // refusal the patient gives until that date. A consent is recorded once given, so never later.
    if (Date.parse(parsed.data.dateTime) > Date.now() + FUTURE_TOLERANCE_MS)
      throw new ProblemError('request.invalid', 'not a valid FHIR R4 Consent', [
        { path: '$.dateTime', message: 'must not be in the future: a consent is dated when it was given' },
      ]);
    const raw = resource as Record<string, unknown> & { provision: Provision };
    return {
      patientReference: parsed.data.patient.reference,
      status: parsed.data.status,
      scope: parsed.data.scope.coding[0].code,
      dateTime: parsed.data.dateTime,
      // The schema-checked original: the zod view above keeps only the fields it decides on.
      provision: raw.provision,
      resource: raw,
    };
  }
}

interface ValidConsent {
  readonly patientReference: string;
  readonly status: ConsentStatus;
  readonly scope: string;
  readonly dateTime: string;
  readonly provision: Provision;
  readonly resource: Record<string, unknown>;
}

/** What the decision engine (and the cache) keeps of a version: its base policy too (R4 `policyRule`). */
function toRecord(version: ConsentVersionEntity): ConsentRecord {
  const { consentId, version: number, status, dateTime, provision } = version;
  // Checked against the FHIR R4 schema when the version was recorded.
  const policyRule = version.resource.policyRule as CodeableConcept | undefined;
  return { consentId, version: number, status, dateTime, provision, ...(policyRule ? { policyRule } : {}) };
}

function toJsonPath(path: readonly PropertyKey[]): string {
  return `$${path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('')}`;
}

export const verificationMethodSchema = z.enum(VERIFICATION_METHODS);
