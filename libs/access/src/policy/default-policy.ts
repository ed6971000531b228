import type { PolicyDocument, PolicyRule } from './policy-document.js';

/**
 * What the model registry (issue 7) added, as policy version 2 (migration 1764600000000): appended
 * to each role's rules of version 1, in this order.
 */
const REGISTRY_RULES = {
  'regulatory-affairs': [
    { action: 'register', subject: 'ModelVersion' },
    { action: 'read', subject: 'ModelVersion' },
    { action: 'transition', subject: 'ModelVersion' },
    {
      action: 'sign',
      subject: 'ModelVersion',
      reason: '21 CFR 11.50: regulatory affairs signs the approval record of a version',
    },
    {
      action: 'approve',
      subject: 'ModelVersion',
      reason: 'regulatory affairs records the approval once both boards have signed',
    },
  ],
  'ethics-board': [
    { action: 'read', subject: 'ModelVersion' },
    {
      action: 'sign',
      subject: 'ModelVersion',
      reason: 'the ethics board signs the approval record after reviewing the bias report',
    },
  ],
  'model-owner': [
    { action: 'register', subject: 'ModelVersion' },
    { action: 'read', subject: 'ModelVersion' },
    { action: 'transition', subject: 'ModelVersion' },
    { action: 'deploy', subject: 'ModelVersion' },
  ],
  'security-officer': [{ action: 'read', subject: 'ModelVersion' }],
  administrator: [{ action: 'read', subject: 'ModelVersion' }],
} as const satisfies Record<string, readonly PolicyRule[]>;

/** What bias reports (issue 8) added, as the next version (migration 1764900000000). */
const BIAS_REPORT_RULES = {
  'model-owner': [
    { action: 'record', subject: 'BiasReport' },
    { action: 'read', subject: 'BiasReport' },
  ],
  'regulatory-affairs': [{ action: 'read', subject: 'BiasReport' }],
  'ethics-board': [
    { action: 'read', subject: 'BiasReport' },
    { action: 'review', subject: 'BiasReport', reason: 'ethics-board members comment on bias reports' },
  ],
} as const satisfies Record<string, readonly PolicyRule[]>;

/** What the bias report sign-off added, as the next version (migration 1765000000000). */
const BIAS_REPORT_SIGN_OFF_RULES = {
  'ethics-board': [
    {
      action: 'sign',
      subject: 'BiasReport',
      reason: 'the ethics board signs off a completed bias report (21 CFR Part 11)',
    },
  ],
} as const satisfies Record<string, readonly PolicyRule[]>;

/** What regulatory documents (issue 9) added, as the next version (migration 1765100000000). */
const REGULATORY_DOCUMENT_RULES = {
  'regulatory-affairs': [
    { action: 'record', subject: 'RegulatoryDocument' },
    { action: 'read', subject: 'RegulatoryDocument' },
  ],
} as const satisfies Record<string, readonly PolicyRule[]>;

/** What the governance console added, as the next version (migration 1765200000000). */
const CONSOLE_RULES = {
  'security-officer': [
    {
      action: 'suspend',
      subject: 'ModelVersion',
      reason: 'incident response: a security officer takes a deployed model version out of service',
    },
    {
      action: 'rotate',
      subject: 'Key',
      reason: 'key management: rotate the gateway encryption keys, the old ones kept for a grace period',
    },
  ],
} as const satisfies Record<string, readonly PolicyRule[]>;

/** What suspending a person added, as the next version (migration 1766400000000). */
const SUSPENSION_RULE = {
  action: 'suspend',
  subject: 'PrincipalSuspension',
  reason: 'incident response: lock out a person whose token or account is compromised, and lift it',
} as const satisfies PolicyRule;
const PRINCIPAL_SUSPENSION_RULES = {
  'security-officer': [SUSPENSION_RULE, { action: 'read', subject: 'PrincipalSuspension' }],
  administrator: [SUSPENSION_RULE, { action: 'read', subject: 'PrincipalSuspension' }],
} as const satisfies Record<string, readonly PolicyRule[]>;

/**
 * The policy version a fresh database has active: version 1, then the registry's, bias reports', their
 * sign-off's, regulatory documents', the governance console's and suspending a person's rules.
 */
export const SEEDED_POLICY_VERSION = 7;

/**
 * The seeded access policy: version 1 as the first migration seeds it: the policy that was code before
 * policies became data, rule for rule, plus the rules of what came with policies as data (proposing
 * and approving policies, break-glass, consent metadata for security officers), with the model
 * registry's rules appended (version 2), then the bias reports' (version 3), then their sign-off (version 4). Later versions live
 * in the database only; this constant is the fallback of tests and benches that run without one.
 */
export const DEFAULT_POLICY: PolicyDocument = {
  format: 'praesidium.policy/v1',
  description: 'Seed policy (version 1): the code policy of release 0.1, as data.',
  roles: {
    clinician: [
      {
        action: 'infer',
        subject: 'Model',
        conditions: {
          status: 'deployed',
          departments: { $in: '${principal.departments}' },
          name: { $in: '${principal.trainings}' },
        },
        reason: 'a deployed model made for one of their departments, whose training they attested',
      },
      { action: 'read', subject: 'Model' },
      { action: 'record', subject: 'Consent' },
      { action: 'read', subject: 'Consent' },
      {
        action: 'declare',
        subject: 'BreakGlass',
        reason: 'HIPAA 164.312(a)(2)(ii): emergency access for one patient, time-boxed and reviewed',
      },
    ],
    'security-officer': [
      { action: 'read', subject: 'AuditTrail' },
      { action: 'verify', subject: 'AuditTrail' },
      { action: 'read', subject: 'Model' },
      {
        action: 'read',
        subject: 'Consent',
        fields: ['id', 'status', 'scope', 'dateTime', 'version', 'recordedBy', 'updatedAt'],
        reason: 'consent metadata for investigations, never the source document (provisions)',
      },
      { action: 'read', subject: 'Policy' },
      { action: 'propose', subject: 'Policy' },
      { action: 'approve', subject: 'Policy' },
      { action: 'read', subject: 'BreakGlass' },
      { action: 'review', subject: 'BreakGlass' },
      ...REGISTRY_RULES['security-officer'],
      ...CONSOLE_RULES['security-officer'],
      ...PRINCIPAL_SUSPENSION_RULES['security-officer'],
    ],
    'regulatory-affairs': [
      { action: 'read', subject: 'Model' },
      ...REGISTRY_RULES['regulatory-affairs'],
      ...BIAS_REPORT_RULES['regulatory-affairs'],
      ...REGULATORY_DOCUMENT_RULES['regulatory-affairs'],
    ],
    'ethics-board': [
      { action: 'read', subject: 'Model' },
      ...REGISTRY_RULES['ethics-board'],
      ...BIAS_REPORT_RULES['ethics-board'],
      ...BIAS_REPORT_SIGN_OFF_RULES['ethics-board'],
    ],
    'model-owner': [
      { action: 'read', subject: 'Model' },
      ...REGISTRY_RULES['model-owner'],
      ...BIAS_REPORT_RULES['model-owner'],
    ],
    administrator: [
      { action: 'read', subject: 'Model' },
      { action: 'read', subject: 'AuditTrail' },
      { action: 'verify', subject: 'AuditTrail' },
      { action: 'read', subject: 'Policy' },
      ...REGISTRY_RULES.administrator,
      ...PRINCIPAL_SUSPENSION_RULES.administrator,
    ],
    service: [],
  },
};
