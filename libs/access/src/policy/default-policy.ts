import type { PolicyDocument } from './policy-document.js';

/**
 * Version 1 of the access policy, as the first migration seeds it: the policy that was code before
 * policies became data, rule for rule, plus the rules of what came with policies as data (proposing
 * and approving policies, break-glass, consent metadata for security officers). Later versions live in
 * the database only; this constant is the fallback of tests and benches that run without one.
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
    ],
    'regulatory-affairs': [{ action: 'read', subject: 'Model' }],
    'ethics-board': [{ action: 'read', subject: 'Model' }],
    'model-owner': [{ action: 'read', subject: 'Model' }],
    administrator: [
      { action: 'read', subject: 'Model' },
      { action: 'read', subject: 'AuditTrail' },
      { action: 'verify', subject: 'AuditTrail' },
      { action: 'read', subject: 'Policy' },
    ],
    service: [],
  },
};
