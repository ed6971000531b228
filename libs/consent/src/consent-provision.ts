/** A FHIR R4 Coding, as consent provisions use them. */
export interface Coding {
  readonly system?: string;
  readonly code: string;
  readonly display?: string;
}

export interface Period {
  readonly start?: string;
  readonly end?: string;
}

/** FHIR R4 Consent.provision: a rule, with nested exceptions to it. */
export interface Provision {
  readonly type?: 'permit' | 'deny';
  readonly period?: Period;
  readonly purpose?: readonly Coding[];
  readonly action?: readonly { readonly coding?: readonly Coding[] }[];
  readonly class?: readonly Coding[];
  readonly provision?: readonly Provision[];
}

export type ConsentStatus = 'draft' | 'proposed' | 'active' | 'rejected' | 'inactive' | 'entered-in-error';

/** A stored consent as the decision engine sees it. */
export interface ConsentRecord {
  readonly id: string;
  readonly version: number;
  readonly status: ConsentStatus;
  readonly dateTime: Date;
  readonly provision: Provision;
}
