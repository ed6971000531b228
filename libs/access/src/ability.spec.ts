import { defineAbilityFor, modelSubject } from './ability.js';
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
});
