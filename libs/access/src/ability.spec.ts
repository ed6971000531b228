import {
  abilityFromPolicy,
  allowsEvery,
  allowsOnModelRecord,
  defineAbilityFor,
  modelSubject,
  modelVersionSubject,
} from './ability.js';
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

  it('decides the same for a person with several roles whatever order their token lists them in', () => {
    // The model owner's `cannot` comes after the clinician's grant in the fixed role order.
    const policy = {
      ...DEFAULT_POLICY,
      roles: {
        ...DEFAULT_POLICY.roles,
        'model-owner': [
          ...(DEFAULT_POLICY.roles['model-owner'] ?? []),
          { action: 'infer', subject: 'Model', inverted: true, conditions: { name: 'lumbar-esi-outcome' } },
        ],
      },
    } as const;
    const decisions = [
      ['clinician', 'model-owner'],
      ['model-owner', 'clinician'],
    ].map((roles) =>
      abilityFromPolicy(policy, { ...painClinician, roles: roles as Principal['roles'] }).can(
        'infer',
        esiModel,
      ),
    );
    expect(decisions).toEqual([false, false]);
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

  describe('registry permissions narrowed to a model (ModelVersion conditions)', () => {
    const cardiologyOwner: Principal = {
      ...painClinician,
      subject: 'kai',
      roles: ['model-owner'],
      departments: ['cardiology'],
    };
    const cardiologyModel = modelVersionSubject({
      model: 'ecg-arrhythmia',
      departments: ['cardiology'],
      riskClass: 'IIb',
    });
    const radiologyModel = modelVersionSubject({
      model: 'chest-xray-triage',
      departments: ['radiology'],
      riskClass: 'IIa',
    });
    const narrowed = abilityFromPolicy(
      {
        ...DEFAULT_POLICY,
        roles: {
          'model-owner': [
            { action: 'read', subject: 'ModelVersion' },
            {
              action: 'deploy',
              subject: 'ModelVersion',
              conditions: { departments: { $in: '${principal.departments}' } },
            },
            { action: 'transition', subject: 'ModelVersion', conditions: { riskClass: { $ne: 'III' } } },
            { action: 'register', subject: 'ModelVersion', conditions: { model: 'ecg-arrhythmia' } },
          ],
        },
      },
      cardiologyOwner,
    );

    it("decides per model on the model's departments, risk class and name", () => {
      expect(narrowed.can('deploy', cardiologyModel)).toBe(true);
      expect(narrowed.can('deploy', radiologyModel)).toBe(false);
      expect(narrowed.can('register', cardiologyModel)).toBe(true);
      expect(narrowed.can('register', radiologyModel)).toBe(false);
      const classIII = modelVersionSubject({ model: 'x', departments: ['cardiology'], riskClass: 'III' });
      expect(narrowed.can('transition', cardiologyModel)).toBe(true);
      expect(narrowed.can('transition', classIII)).toBe(false);
    });

    it('leaves a narrowed permission short of "every model", for endpoints that check no model', () => {
      expect(narrowed.can('deploy', 'ModelVersion')).toBe(true);
      expect(allowsEvery(narrowed, 'deploy', 'ModelVersion')).toBe(false);
      expect(allowsEvery(narrowed, 'read', 'ModelVersion')).toBe(true);
    });

    it('keeps an unconditioned rule (the seed policy) covering every model', () => {
      const seeded = defineAbilityFor(cardiologyOwner);
      for (const action of ['read', 'register', 'transition', 'deploy'] as const) {
        expect(seeded.can(action, cardiologyModel)).toBe(true);
        expect(seeded.can(action, radiologyModel)).toBe(true);
      }
      expect(seeded.can('sign', radiologyModel)).toBe(false);
    });
  });

  describe("bias reports and regulatory documents narrowed to their model's fields", () => {
    const cardiologyReviewer: Principal = {
      ...painClinician,
      subject: 'noa',
      roles: ['ethics-board', 'regulatory-affairs'],
      departments: ['cardiology'],
    };
    const cardiology = { model: 'ecg-arrhythmia', departments: ['cardiology'], riskClass: 'IIb' };
    const radiology = { model: 'chest-xray-triage', departments: ['radiology'], riskClass: 'IIa' };
    const report = { id: 'r-1', requestedBy: 'kai', verdict: 'pass' };
    const ofTheirDepartments = { departments: { $in: '${principal.departments}' } };
    const narrowed = abilityFromPolicy(
      {
        ...DEFAULT_POLICY,
        roles: {
          'ethics-board': [
            { action: 'read', subject: 'BiasReport', conditions: ofTheirDepartments },
            { action: 'sign', subject: 'BiasReport', conditions: { riskClass: { $ne: 'III' } } },
          ],
          'regulatory-affairs': [
            { action: 'record', subject: 'RegulatoryDocument', conditions: ofTheirDepartments },
            { action: 'read', subject: 'RegulatoryDocument', conditions: { model: 'ecg-arrhythmia' } },
          ],
        },
      },
      cardiologyReviewer,
    );

    it("decides per record on its model's departments, risk class and name", () => {
      expect(allowsOnModelRecord(narrowed, 'read', 'BiasReport', report, cardiology)).toBe(true);
      expect(allowsOnModelRecord(narrowed, 'read', 'BiasReport', report, radiology)).toBe(false);
      const classIII = { ...cardiology, riskClass: 'III' };
      expect(allowsOnModelRecord(narrowed, 'sign', 'BiasReport', report, cardiology)).toBe(true);
      expect(allowsOnModelRecord(narrowed, 'sign', 'BiasReport', report, classIII)).toBe(false);
      const document = { id: 'd-1', requestedBy: 'noa', kind: 'model-card' };
      expect(allowsOnModelRecord(narrowed, 'record', 'RegulatoryDocument', document, cardiology)).toBe(true);
      expect(allowsOnModelRecord(narrowed, 'record', 'RegulatoryDocument', document, radiology)).toBe(false);
      expect(allowsOnModelRecord(narrowed, 'read', 'RegulatoryDocument', document, cardiology)).toBe(true);
      expect(allowsOnModelRecord(narrowed, 'read', 'RegulatoryDocument', document, radiology)).toBe(false);
    });

    it('lets only a rule covering every record reach a report of no registry model', () => {
      expect(allowsOnModelRecord(narrowed, 'read', 'BiasReport', report, null)).toBe(false);
      const anyButIII = abilityFromPolicy(
        {
          ...DEFAULT_POLICY,
          roles: {
            'ethics-board': [
              { action: 'read', subject: 'BiasReport', conditions: { riskClass: { $ne: 'III' } } },
            ],
          },
        },
        cardiologyReviewer,
      );
      // `$ne` would match a missing risk class: the record of no model is still out of reach.
      expect(allowsOnModelRecord(anyButIII, 'read', 'BiasReport', report, null)).toBe(false);
      expect(
        allowsOnModelRecord(defineAbilityFor(cardiologyReviewer), 'read', 'BiasReport', report, null),
      ).toBe(true);
    });

    it("keeps the seed policy's unconditioned rules covering every model", () => {
      const seeded = defineAbilityFor(cardiologyReviewer);
      for (const model of [cardiology, radiology]) {
        expect(allowsOnModelRecord(seeded, 'read', 'BiasReport', report, model)).toBe(true);
        expect(allowsOnModelRecord(seeded, 'review', 'BiasReport', report, model)).toBe(true);
        expect(allowsOnModelRecord(seeded, 'sign', 'BiasReport', report, model)).toBe(true);
        expect(allowsOnModelRecord(seeded, 'record', 'RegulatoryDocument', {}, model)).toBe(true);
        expect(allowsOnModelRecord(seeded, 'read', 'RegulatoryDocument', {}, model)).toBe(true);
        expect(allowsOnModelRecord(seeded, 'record', 'BiasReport', report, model)).toBe(false);
      }
    });
  });
});
