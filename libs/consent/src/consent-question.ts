import type { Identifier, Period } from './consent-provision.js';

/**
 * What is asked of the consents. Every attribute but purpose and time is optional: an attribute the
 * caller does not know (undefined) can be touched by a refusal but never granted by a permit.
 */
export interface ConsentQuestion {
  /** v3 PurposeOfUse code (TREAT, ETREAT, HOPERAT, HRESCH, CLINTRCH…). */
  readonly purposeOfUse: string;
  readonly at: Date;
  /** References that surely name who acts: the clinician (`Practitioner/<subject>`) and the model (`Device/<name>`). */
  readonly actors?: readonly string[];
  /**
   * References that may name who acts or a namesake (`Practitioner/<subject>` of a clinician whose
   * issuer is not the one such references are read under): a refusal naming them applies, a grant never.
   */
  readonly possibleActors?: readonly string[];
  /** Identifiers that name who acts: the clinician's issuer (`system`) and subject (`value`). */
  readonly actorIdentifiers?: readonly Required<Identifier>[];
  /** Role codes of the acting clinician (matched against `actor.role` of actors without a reference). */
  readonly roles?: readonly string[];
  /** Consent action code (consentaction: access, collect, use, disclose, correct). */
  readonly action?: string;
  /** Data categories the use reads (provision.class: imaging, notes, labs…). */
  readonly dataClasses?: readonly string[];
  /** Security labels of the data (confidentiality N/R/V, sensitivity such as PSY, HIV). */
  readonly securityLabels?: readonly string[];
  /** Codes of the data (provision.code). */
  readonly codes?: readonly string[];
  /** References of the specific resources read (provision.data). */
  readonly dataReferences?: readonly string[];
  /** When the data read was produced (provision.dataPeriod). */
  readonly dataPeriod?: Period;
  /**
   * The site's IANA time zone, in which a consent's dates without a time are read
   * (`PRAESIDIUM_CONSENT_TIME_ZONE`); without it such a date may be in any zone.
   */
  readonly dateTimeZone?: string;
}
