import { abilityFromPolicy, modelSubject } from '../ability.js';
import type { Principal } from '../principal.js';
import { DEFAULT_POLICY } from './default-policy.js';
import { diffPolicies } from './policy-diff.js';
import type { PolicyDocument, PolicyRule } from './policy-document.js';

const infer: PolicyRule = { action: 'infer', subject: 'Model' };
const notThisModel: PolicyRule = {
  action: 'infer',
  subject: 'Model',
  inverted: true,
  conditions: { name: 'lumbar-esi-outcome' },
};
const readModels: PolicyRule = { action: 'read', subject: 'Model' };

function withClinicianRules(rules: readonly PolicyRule[]): PolicyDocument {
  return { ...DEFAULT_POLICY, roles: { ...DEFAULT_POLICY.roles, clinician: rules } };
}

const clinician: Principal = {
  subject: 'dr.a',
  issuer: 'https://idp.example',
  roles: ['clinician'],
  departments: ['pain-medicine'],
  trainings: [],
  expiresAt: 0,
};
const lumbar = modelSubject({
  name: 'lumbar-esi-outcome',
  departments: ['pain-medicine'],
  riskClass: 'IIa',
  status: 'deployed',
});
const mayInfer = (policy: PolicyDocument) => abilityFromPolicy(policy, clinician).can('infer', lumbar);

describe('the difference between two policy versions', () => {
  it('names the rules a role gains and loses, and nothing for an unchanged role', () => {
    const from = withClinicianRules([infer, readModels]);
    const to = withClinicianRules([readModels, notThisModel]);
    expect(diffPolicies(from, to)).toEqual({ clinician: { added: [notThisModel], removed: [infer] } });
    expect(diffPolicies(from, from)).toEqual({});
  });

  // A later rule overrides an earlier one (CASL): the same rules in another order grant something else.
  it('shows a rule moved within its role, since moving a "cannot" before the "can" lifts it', () => {
    const from = withClinicianRules([infer, notThisModel]);
    const to = withClinicianRules([notThisModel, infer]);
    expect(mayInfer(from)).toBe(false);
    expect(mayInfer(to)).toBe(true);

    const diff = diffPolicies(from, to);
    expect(diff.clinician).toBeDefined();
    const moved = [...diff.clinician.added, ...diff.clinician.removed];
    expect(moved).toHaveLength(2);
    expect(diff.clinician.added).toEqual(diff.clinician.removed);
  });

  it('shows a rule repeated after a "cannot", which overrides it', () => {
    const from = withClinicianRules([infer, notThisModel]);
    const to = withClinicianRules([infer, notThisModel, infer]);
    expect(mayInfer(to)).toBe(true);
    expect(diffPolicies(from, to)).toEqual({ clinician: { added: [infer], removed: [] } });
    expect(diffPolicies(to, from)).toEqual({ clinician: { added: [], removed: [infer] } });
  });
});
