/** A FHIR R4 Coding, as consent provisions use them. */
export interface Coding {
  readonly system?: string;
  /** Absent in a coding that names its concept by display only: such a coding can refuse, never grant. */
  readonly code?: string;
  readonly display?: string;
}

export interface CodeableConcept {
  readonly coding?: readonly Coding[];
  readonly text?: string;
}

export interface Period {
  readonly start?: string;
  readonly end?: string;
}

/** A FHIR R4 Identifier: for a practitioner, the issuer that vouches for them (`system`) and their subject. */
export interface Identifier {
  readonly system?: string;
  readonly value?: string;
}

/** FHIR R4 Consent.provision.actor: who the rule is about (a practitioner, a model as `Device/…`…). */
export interface ProvisionActor {
  readonly role?: CodeableConcept;
  readonly reference?: {
    readonly reference?: string;
    readonly identifier?: Identifier;
    readonly display?: string;
  };
}

/** FHIR R4 Consent.provision.data: the specific resources the rule is about. */
export interface ProvisionData {
  readonly meaning: string;
  readonly reference: { readonly reference?: string };
}

/** FHIR R4 Consent.provision: a rule, with nested exceptions to it. */
export interface Provision {
  readonly type?: 'permit' | 'deny';
  readonly period?: Period;
  readonly actor?: readonly ProvisionActor[];
  readonly action?: readonly CodeableConcept[];
  readonly securityLabel?: readonly Coding[];
  readonly purpose?: readonly Coding[];
  readonly class?: readonly Coding[];
  readonly code?: readonly CodeableConcept[];
  readonly dataPeriod?: Period;
  readonly data?: readonly ProvisionData[];
  readonly provision?: readonly Provision[];
}

export type ConsentStatus = 'draft' | 'proposed' | 'active' | 'rejected' | 'inactive' | 'entered-in-error';

/** The latest version of a stored consent, as the decision engine sees it. */
export interface ConsentRecord {
  readonly consentId: string;
  readonly version: number;
  readonly status: ConsentStatus;
  /** When the consent (or, for a revocation, its withdrawal) was given: later speaks over earlier. */
  readonly dateTime: Date;
  readonly provision: Provision;
  /** The base policy the root provision narrows (R4: v3-ActCode OPTIN, OPTOUT…), if the consent names one. */
  readonly policyRule?: CodeableConcept;
}
