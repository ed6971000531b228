import { ROLES, type Principal, type Role } from '../principal.js';

/** What a policy may speak of: every action, subject, field and placeholder it may name. */
export const ACTIONS = [
  'infer',
  'read',
  'record',
  'verify',
  'manage',
  'propose',
  'approve',
  'declare',
  'review',
  'register',
  'transition',
  'sign',
  'deploy',
  'suspend',
  'rotate',
] as const;
export type Action = (typeof ACTIONS)[number];

/** Each subject with the fields conditions and field rules may name. */
export const SUBJECT_FIELDS = {
  Model: ['name', 'departments', 'riskClass', 'status'],
  AuditTrail: [],
  Consent: [
    'id',
    'status',
    'scope',
    'dateTime',
    'version',
    'recordedBy',
    'updatedAt',
    'provision',
    'sourceAttachment',
  ],
  Policy: ['version', 'author'],
  BreakGlass: ['id', 'granteeSubject', 'reasonCode', 'startedAt', 'expiresAt'],
  /**
   * Bias reports and regulatory documents are also known by the model they are of, as the registry
   * holds it now (its name, departments and risk class; `allowsOnModelRecord` decides on them).
   */
  BiasReport: ['id', 'requestedBy', 'verdict', 'model', 'departments', 'riskClass'],
  RegulatoryDocument: ['id', 'requestedBy', 'kind', 'model', 'departments', 'riskClass'],
  /**
   * The versions of one model, by that model's attributes as the registry holds them now: its name,
   * the departments it is made for and its risk class (`modelVersionSubject` builds the subject).
   */
  ModelVersion: ['model', 'departments', 'riskClass'],
  Key: [],
  /** A person's suspension: who (`issuer`, `subject`) is locked out (`suspend` also lifts one). */
  PrincipalSuspension: ['id', 'issuer', 'subject'],
  all: [],
} as const satisfies Record<string, readonly string[]>;
export type SubjectName = keyof typeof SUBJECT_FIELDS;
export const SUBJECTS = Object.keys(SUBJECT_FIELDS) as SubjectName[];

/**
 * The subjects whose endpoints withhold the fields a rule does not grant (the consent endpoints, with
 * `permittedFieldsOf`). Every other endpoint answers whole records, so there a `fields` rule cannot be
 * honoured as written: `abilityFromPolicy` makes it grant nothing, or, inverted, withhold everything.
 */
export const FIELD_RULE_SUBJECTS: readonly SubjectName[] = ['Consent'];

/** Condition operators: the ones CASL evaluates in memory and `sql-filter.ts` turns into SQL alike. */
export const OPERATORS = ['$eq', '$ne', '$in', '$nin'] as const;

/** `${principal.<attribute>}` placeholders a condition value may use, and what they stand for. */
export const PLACEHOLDERS = {
  '${principal.subject}': (principal: Principal) => principal.subject,
  '${principal.roles}': (principal: Principal) => [...principal.roles],
  '${principal.departments}': (principal: Principal) => [...principal.departments],
  '${principal.trainings}': (principal: Principal) => [...principal.trainings],
  '${principal.site}': (principal: Principal) => principal.site ?? null,
} as const satisfies Record<string, (principal: Principal) => unknown>;
export type Placeholder = keyof typeof PLACEHOLDERS;

/** Placeholders that stand for a list (operands of `$in`/`$nin`); the others stand for one value. */
export const LIST_PLACEHOLDERS: readonly Placeholder[] = [
  '${principal.roles}',
  '${principal.departments}',
  '${principal.trainings}',
];

export function isPlaceholder(value: unknown): value is Placeholder {
  return typeof value === 'string' && Object.hasOwn(PLACEHOLDERS, value);
}

export { ROLES, type Role };
