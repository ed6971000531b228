import { ProblemError } from '@praesidium/problem';
import { abilityFromPolicy, defineAbilityFor, modelSubject } from '../ability.js';
import type { Principal } from '../principal.js';
import { AbilityCache } from './ability-cache.js';
import { DEFAULT_POLICY } from './default-policy.js';
import { parsePolicyDocument, type PolicyDocument } from './policy-document.js';
import { diffPolicies } from './policy-diff.js';

const painClinician: Principal = {
  subject: 'dr-rivera',
  issuer: 'test',
  roles: ['clinician'],
  departments: ['pain-medicine'],
  trainings: ['lumbar-esi-outcome'],
  expiresAt: 0,
};
const esi = { name: 'lumbar-esi-outcome', departments: ['pain-medicine', 'spine'], riskClass: 'IIa' };
const deployedEsi = modelSubject({ ...esi, status: 'deployed' });
const as = (roles: Principal['roles']): Principal => ({ ...painClinician, roles });

function problemsOf(document: unknown): { path: string; message: string }[] {
  try {
    parsePolicyDocument(document);
  } catch (error) {
    expect(error).toBeInstanceOf(ProblemError);
    expect((error as ProblemError).code).toBe('policy.invalid');
    return [...((error as ProblemError).errors ?? [])];
  }
  throw new Error('the document was accepted');
}

describe('policy documents', () => {
  it('accept the seed policy as it is', () => {
    expect(parsePolicyDocument(JSON.parse(JSON.stringify(DEFAULT_POLICY)))).toEqual(DEFAULT_POLICY);
  });

  it('refuse unknown actions, subjects, fields, condition keys, operators and placeholders, each at its JSON path', () => {
    const problems = problemsOf({
      format: 'praesidium.policy/v1',
      roles: {
        'security-officer': DEFAULT_POLICY.roles['security-officer'],
        clinician: [
          { action: 'infer', subject: 'Model', conditions: { department: 'x' } },
          { action: 'fly', subject: 'Model' },
          { action: 'read', subject: 'Patient' },
          { action: 'read', subject: 'Consent', fields: ['provision', 'ssn'] },
          { action: 'infer', subject: 'Model', conditions: { departments: { $regex: 'x' } } },
          { action: 'infer', subject: 'Model', conditions: { name: { $in: '${principal.password}' } } },
          { action: 'infer', subject: 'Model', conditions: { departments: { $in: 'cardiology' } } },
          { action: 'infer', subject: 'Model', conditions: { departments: '${principal.departments}' } },
          { action: 'infer', subject: 'Model', conditions: { name: { $eq: ['a', 'b'] } } },
          { action: 'deploy', subject: 'ModelVersion', conditions: { status: 'approved' } },
        ],
      },
    });
    expect(problems.map((problem) => problem.path)).toEqual([
      '/roles/clinician/0/conditions/department',
      '/roles/clinician/1/action',
      '/roles/clinician/2/subject',
      '/roles/clinician/3/fields/1',
      '/roles/clinician/4/conditions/departments/$regex',
      '/roles/clinician/5/conditions/name/$in',
      '/roles/clinician/6/conditions/departments/$in',
      '/roles/clinician/7/conditions/departments',
      '/roles/clinician/8/conditions/name/$eq',
      '/roles/clinician/9/conditions/status',
    ]);
    expect(problems[5].message).toMatch(/unknown placeholder/);
  });

  it("accept ModelVersion conditions on the model's name, departments and risk class", () => {
    const narrowed = {
      ...DEFAULT_POLICY,
      roles: {
        ...DEFAULT_POLICY.roles,
        'model-owner': [
          {
            action: 'deploy',
            subject: 'ModelVersion',
            conditions: { departments: { $in: '${principal.departments}' } },
            reason: 'model owners deploy versions of their own departments only',
          },
          { action: 'transition', subject: 'ModelVersion', conditions: { riskClass: { $nin: ['III'] } } },
          { action: 'register', subject: 'ModelVersion', conditions: { model: 'ecg-arrhythmia' } },
        ],
      },
    };
    expect(parsePolicyDocument(JSON.parse(JSON.stringify(narrowed)))).toEqual(narrowed);
  });

  it("accept BiasReport and RegulatoryDocument conditions on their model's name, departments and risk class", () => {
    const narrowed = {
      ...DEFAULT_POLICY,
      roles: {
        ...DEFAULT_POLICY.roles,
        'ethics-board': [
          {
            action: 'read',
            subject: 'BiasReport',
            conditions: { departments: { $in: '${principal.departments}' } },
          },
          {
            action: 'sign',
            subject: 'BiasReport',
            conditions: { riskClass: { $nin: ['III'] }, verdict: 'pass' },
          },
        ],
        'regulatory-affairs': [
          {
            action: 'record',
            subject: 'RegulatoryDocument',
            conditions: { model: 'ecg-arrhythmia', kind: 'model-card' },
          },
          { action: 'read', subject: 'RegulatoryDocument', conditions: { departments: 'cardiology' } },
        ],
      },
    };
    expect(parsePolicyDocument(JSON.parse(JSON.stringify(narrowed)))).toEqual(narrowed);
  });

  it('refuse a policy under which nobody could propose or approve the next version', () => {
    const lockedOut = {
      ...DEFAULT_POLICY,
      roles: {
        ...DEFAULT_POLICY.roles,
        'security-officer': (DEFAULT_POLICY.roles['security-officer'] ?? []).filter(
          (rule) => rule.action !== 'approve',
        ),
      },
    };
    expect(problemsOf(lockedOut)).toEqual([{ path: '/roles', message: expect.stringMatching(/approve/) }]);
  });

  it('refuse a document that does not have the policy shape, or names an unknown role', () => {
    expect(problemsOf({ format: 'praesidium.policy/v1', roles: { janitor: [] } })[0].path).toMatch(
      /^\/roles/,
    );
    expect(problemsOf({ roles: {} })[0].path).toBe('/format');
    expect(
      problemsOf({ format: 'praesidium.policy/v1', roles: { clinician: [{ action: 'read' }] } })[0].path,
    ).toBe('/roles/clinician/0/subject');
    expect(problemsOf('not a policy')[0].path).toBe('/');
  });
});

describe('the seed policy, role by role', () => {
  it('lets a trained clinician of the model department run a deployed version', () => {
    expect(defineAbilityFor(painClinician).can('infer', deployedEsi)).toBe(true);
  });

  it('gates clinicians on department, training attestation and deployment', () => {
    expect(
      defineAbilityFor({ ...painClinician, departments: ['cardiology'] }).can('infer', deployedEsi),
    ).toBe(false);
    expect(defineAbilityFor({ ...painClinician, trainings: ['other-model'] }).can('infer', deployedEsi)).toBe(
      false,
    );
    expect(defineAbilityFor(painClinician).can('infer', modelSubject({ ...esi, status: 'approved' }))).toBe(
      false,
    );
  });

  it('lets clinicians read models, record and read consents and declare an emergency, and nothing else', () => {
    const ability = defineAbilityFor(painClinician);
    expect(['Model', 'Consent'].every((subject) => ability.can('read', subject as 'Model'))).toBe(true);
    expect(ability.can('record', 'Consent')).toBe(true);
    expect(ability.can('declare', 'BreakGlass')).toBe(true);
    expect(ability.can('read', 'AuditTrail')).toBe(false);
    expect(ability.can('propose', 'Policy')).toBe(false);
    expect(ability.can('review', 'BreakGlass')).toBe(false);
  });

  it('gives security officers the audit trail, policies, break-glass review, and consent metadata only', () => {
    const ability = defineAbilityFor(as(['security-officer']));
    for (const [action, subject] of [
      ['read', 'AuditTrail'],
      ['verify', 'AuditTrail'],
      ['propose', 'Policy'],
      ['approve', 'Policy'],
      ['review', 'BreakGlass'],
      ['read', 'Consent'],
    ] as const)
      expect(ability.can(action, subject)).toBe(true);
    expect(ability.can('read', 'Consent', 'recordedBy')).toBe(true);
    expect(ability.can('read', 'Consent', 'provision')).toBe(false);
    expect(ability.can('infer', deployedEsi)).toBe(false);
    expect(ability.can('record', 'Consent')).toBe(false);
    expect(ability.can('declare', 'BreakGlass')).toBe(false);
  });

  it('lets regulatory affairs, the ethics board and model owners read models only', () => {
    for (const role of ['regulatory-affairs', 'ethics-board', 'model-owner'] as const) {
      const ability = defineAbilityFor(as([role]));
      expect(ability.can('read', 'Model')).toBe(true);
      expect(ability.can('infer', deployedEsi)).toBe(false);
      expect(ability.can('read', 'AuditTrail')).toBe(false);
      expect(ability.can('read', 'Consent')).toBe(false);
    }
  });

  it('lets administrators read models, the audit trail and policies, but not change policies', () => {
    const ability = defineAbilityFor(as(['administrator']));
    expect(ability.can('verify', 'AuditTrail')).toBe(true);
    expect(ability.can('read', 'Policy')).toBe(true);
    expect(ability.can('approve', 'Policy')).toBe(false);
    expect(ability.can('infer', deployedEsi)).toBe(false);
  });

  it('denies by default: no role, or the service role, allows nothing', () => {
    for (const roles of [[], ['service']] as Principal['roles'][]) {
      const ability = defineAbilityFor(as(roles));
      expect(ability.can('read', 'Model')).toBe(false);
      expect(ability.can('infer', deployedEsi)).toBe(false);
    }
  });
});

describe('policies as data', () => {
  const stricter: PolicyDocument = {
    ...DEFAULT_POLICY,
    roles: {
      ...DEFAULT_POLICY.roles,
      clinician: [
        ...(DEFAULT_POLICY.roles.clinician ?? []),
        { action: 'infer', subject: 'Model', conditions: { riskClass: 'III' }, inverted: true },
      ],
    },
  };

  it('apply an inverted rule: it takes away what an earlier rule gave', () => {
    const ability = abilityFromPolicy(stricter, painClinician);
    expect(ability.can('infer', deployedEsi)).toBe(true);
    expect(ability.can('infer', modelSubject({ ...esi, riskClass: 'III', status: 'deployed' }))).toBe(false);
  });

  it('cache abilities per policy version: a new version is a new ability, the same version the same one', () => {
    const cache = new AbilityCache();
    const v1 = cache.abilityFor({ version: 1, document: DEFAULT_POLICY }, painClinician);
    expect(cache.abilityFor({ version: 1, document: DEFAULT_POLICY }, { ...painClinician })).toBe(v1);
    const v2 = cache.abilityFor({ version: 2, document: stricter }, painClinician);
    expect(v2).not.toBe(v1);
    const other = cache.abilityFor(
      { version: 1, document: DEFAULT_POLICY },
      { ...painClinician, departments: [] },
    );
    expect(other.can('infer', deployedEsi)).toBe(false);
  });

  it('diff two versions rule by rule', () => {
    expect(diffPolicies(DEFAULT_POLICY, stricter)).toEqual({
      clinician: {
        added: [{ action: 'infer', subject: 'Model', conditions: { riskClass: 'III' }, inverted: true }],
        removed: [],
      },
    });
  });
});
