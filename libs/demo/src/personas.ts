import type { Role } from '@praesidium/access';

export interface Persona {
  readonly subject: string;
  readonly name: string;
  readonly roles: readonly Role[];
  readonly departments: readonly string[];
  readonly site: string;
  readonly trainings: readonly string[];
  readonly description: string;
}

/** The demo's people. Demonstration identities only: the demo issuer is refused in production. */
export const PERSONAS = {
  'pain-clinician': {
    subject: 'dr.amara.rivera',
    name: 'Dr Amara Rivera',
    roles: ['clinician'],
    departments: ['pain-medicine'],
    site: 'main-campus',
    trainings: ['lumbar-esi-outcome', 'fluoro-needle-position', 'esi-aftercare-drafter'],
    description: 'interventional pain physician, trained on the lumbar ESI outcome model',
  },
  'cardiology-clinician': {
    subject: 'dr.jonas.weber',
    name: 'Dr Jonas Weber',
    roles: ['clinician'],
    departments: ['cardiology'],
    site: 'main-campus',
    trainings: [],
    description: 'cardiologist: another department, so the pain models are refused',
  },
  'security-officer': {
    subject: 'sam.okafor',
    name: 'Sam Okafor',
    roles: ['security-officer'],
    departments: ['information-security'],
    site: 'main-campus',
    trainings: [],
    description: 'hospital security officer: audit search and verification, access policy proposals',
  },
  'second-security-officer': {
    subject: 'kim.tanaka',
    name: 'Kim Tanaka',
    roles: ['security-officer'],
    departments: ['information-security'],
    site: 'main-campus',
    trainings: [],
    description: 'a second security officer: approves policy changes the first one proposes (four-eyes)',
  },
  'regulatory-affairs': {
    subject: 'lena.fischer',
    name: 'Lena Fischer',
    roles: ['regulatory-affairs'],
    departments: ['quality-and-regulatory'],
    site: 'main-campus',
    trainings: [],
    description: 'regulatory affairs: models, versions and evidence; signs and approves versions; documents',
  },
  'ethics-board': {
    subject: 'prof.ines.moreau',
    name: 'Prof Ines Moreau',
    roles: ['ethics-board'],
    departments: ['ethics-board'],
    site: 'main-campus',
    trainings: [],
    description: 'ethics board member: reads, comments on and signs bias reports; signs approvals',
  },
  'model-owner': {
    subject: 'kai.nakamura',
    name: 'Kai Nakamura',
    roles: ['model-owner'],
    departments: ['pain-medicine'],
    site: 'main-campus',
    trainings: [],
    description:
      'ML engineer: registers versions and evidence, requests bias reports, deploys approved versions',
  },
} as const satisfies Record<string, Persona>;

export type PersonaName = keyof typeof PERSONAS;

export function isPersonaName(name: string): name is PersonaName {
  return Object.hasOwn(PERSONAS, name);
}
