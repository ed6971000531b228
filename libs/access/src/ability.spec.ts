import { abilityFromPolicy, allowsEvery, defineAbilityFor, modelSubject } from './ability.js';
import { DEFAULT_POLICY } from './policy/default-policy.js';
import type { Principal } from './principal.js';

const painClinician: Principal = {
  subject: 'dr-rivera',
  issuer: 'test',
  roles: ['clinician'],
  departments: ['pain-medicine'],
  trainings: ['lumbar-esi-outcome'],
  expiresAt: 0,
};
const esiModel = modelSubject({
  name: 'lumbar-esi-outcome',
  departments: ['pain-medicine', 'spine'],
  riskClass: 'IIa',
  status: 'deployed',
});

describe('access policy', () => {
  it('lets a trained clinician of the model department run it', () => {
    expect(defineAbilityFor(painClinician).can('infer', esiModel)).toBe(true);
  });

  it('refuses a clinician of another department', () => {
    const cardiologist = { ...painClinician, departments: ['cardiology'] };
    expect(defineAbilityFor(cardiologist).can('infer', esiModel)).toBe(false);
  });

  it('refuses a clinician who has not attested the model training', () => {
    expect(defineAbilityFor({ ...painClinician, trainings: [] }).can('infer', esiModel)).toBe(false);
  });

  it('denies by default: no role, or a role without the rule, allows nothing', () => {
    expect(defineAbilityFor({ ...painClinician, roles: [] }).can('infer', esiModel)).toBe(false);
    expect(defineAbilityFor({ ...painClinician, roles: ['security-officer'] }).can('infer', esiModel)).toBe(
      false,
    );
    expect(defineAbilityFor({ ...painClinician, roles: ['administrator'] }).can('infer', esiModel)).toBe(
      false,
    );
  });

  describe('allowsEvery: the check of an endpoint that evaluates no condition', () => {
    const owner: Principal = { ...painClinician, subject: 'kai', roles: ['model-owner'] };
    const under = (rules: NonNullable<(typeof DEFAULT_POLICY.roles)['model-owner']>) =>
      abilityFromPolicy({ ...DEFAULT_POLICY, roles: { 'model-owner': rules } }, owner);

    it('is true for an unconditional rule, fields or not, and false without a rule', () => {
      expect(allowsEvery(defineAbilityFor(owner), 'read', 'BiasReport')).toBe(true);
      expect(allowsEvery(defineAbilityFor(owner), 'read', 'AuditTrail')).toBe(false);
      const officer = { ...painClinician, roles: ['security-officer' as const] };
      expect(allowsEvery(defineAbilityFor(officer), 'read', 'Consent')).toBe(true);
    });

    it('is false for a conditional rule, which CASL counts as allowing the subject type', () => {
      const ability = under([
        { action: 'read', subject: 'BiasReport', conditions: { requestedBy: '${principal.subject}' } },
      ]);
      expect(ability.can('read', 'BiasReport')).toBe(true);
      expect(allowsEvery(ability, 'read', 'BiasReport')).toBe(false);
    });

    it('is false when a conditional `cannot` takes some records away, true when an unconditional rule overrides it', () => {
      const narrowed = under([
        { action: 'read', subject: 'BiasReport' },
        { action: 'read', subject: 'BiasReport', inverted: true, conditions: { verdict: 'fail' } },
      ]);
      expect(narrowed.can('read', 'BiasReport')).toBe(true);
      expect(allowsEvery(narrowed, 'read', 'BiasReport')).toBe(false);
      const overridden = under([
        { action: 'read', subject: 'BiasReport', inverted: true, conditions: { verdict: 'fail' } },
        { action: 'read', subject: 'BiasReport' },
      ]);
      expect(allowsEvery(overridden, 'read', 'BiasReport')).toBe(true);
    });

    it('takes a `fields` rule outside Consent for what it is: no grant of the whole record', () => {
      // Only the consent endpoints withhold the fields a rule does not grant; the others answer whole
      // records, so "read these fields" would have been "read everything".
      const someFields = under([{ action: 'read', subject: 'BiasReport', fields: ['id', 'verdict'] }]);
      expect(allowsEvery(someFields, 'read', 'BiasReport')).toBe(false);
      expect(someFields.can('read', 'BiasReport')).toBe(false);
      const withheld = under([
        { action: 'read', subject: 'BiasReport' },
        { action: 'read', subject: 'BiasReport', inverted: true, fields: ['requestedBy'] },
      ]);
      expect(withheld.can('read', 'BiasReport')).toBe(false);
      const models = under([{ action: 'read', subject: 'Model', fields: ['name'] }]);
      expect(models.can('read', 'Model')).toBe(false);
      const officer = { ...painClinician, roles: ['security-officer' as const] };
      expect(defineAbilityFor(officer).can('read', 'Consent', 'status')).toBe(true);
      expect(defineAbilityFor(officer).can('read', 'Consent', 'provision')).toBe(false);
    });
  });
});
