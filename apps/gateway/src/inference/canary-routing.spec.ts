import { createHmac } from 'node:crypto';
import {
  UNSCOPED,
  type CanaryCaller,
  type Deployment,
  type ModelEntity,
  type ModelVersionEntity,
} from '@praesidium/model-registry';
import { canaryBucket, isRoutedToCanary, servingVersion } from './canary-routing.js';

/** Pseudonyms as the consent service makes them: a keyed HMAC of the patient reference. */
const pseudonyms = (count: number, key = 'pseudonym-key') =>
  Array.from({ length: count }, (_, index) =>
    createHmac('sha256', key).update(`Patient/p-${index}`).digest('base64url'),
  );

const CANARY_ID = '6f1d3f5e-9a2b-4c1d-8e7f-0a1b2c3d4e5f';
const PAIN_CLINICIAN: CanaryCaller = { site: 'main-campus', departments: ['pain-medicine'] };
const shareOf = (keys: readonly string[], sharePercent: number, id = CANARY_ID) =>
  keys.filter((key) => isRoutedToCanary({ id, sharePercent }, key)).length / keys.length;

describe('canary share routing', () => {
  const patients = pseudonyms(20_000);

  it('sends each share of patients to the canary, within one percentage point over 20 000 patients', () => {
    for (const sharePercent of [1, 5, 10, 25, 50])
      expect(Math.abs(shareOf(patients, sharePercent) - sharePercent / 100)).toBeLessThan(0.01);
  });

  it('keeps one patient on one version for the whole canary', () => {
    for (const key of patients.slice(0, 500)) {
      const first = isRoutedToCanary({ id: CANARY_ID, sharePercent: 20 }, key);
      for (let call = 0; call < 5; call += 1)
        expect(isRoutedToCanary({ id: CANARY_ID, sharePercent: 20 }, key)).toBe(first);
    }
  });

  it('keeps the patients already on the canary there when the share goes up', () => {
    const atTen = patients.filter((key) => isRoutedToCanary({ id: CANARY_ID, sharePercent: 10 }, key));
    expect(atTen.every((key) => isRoutedToCanary({ id: CANARY_ID, sharePercent: 30 }, key))).toBe(true);
  });

  it('samples other patients for another canary of the same model', () => {
    const first = new Set(
      patients.filter((key) => isRoutedToCanary({ id: CANARY_ID, sharePercent: 10 }, key)),
    );
    const other = patients.filter((key) =>
      isRoutedToCanary({ id: '0c9e8d7f-1111-4222-8333-944455556666', sharePercent: 10 }, key),
    );
    const overlap = other.filter((key) => first.has(key)).length / other.length;
    // Independent samples of 10 % overlap about 10 %, not 100 %.
    expect(overlap).toBeLessThan(0.2);
  });

  it('puts buckets in 0..9999', () => {
    for (const key of patients.slice(0, 1000)) {
      const bucket = canaryBucket(CANARY_ID, key);
      expect(bucket).toBeGreaterThanOrEqual(0);
      expect(bucket).toBeLessThan(10_000);
    }
  });

  it('serves the deployed version when no canary runs, and the canary for the keys it routes', () => {
    const model = { name: 'knee' } as ModelEntity;
    const deployed = { version: '1.0.0' } as ModelVersionEntity;
    const candidate = { version: '2.0.0' } as ModelVersionEntity;
    expect(servingVersion({ model, version: deployed }, patients[0], PAIN_CLINICIAN)).toMatchObject({
      version: deployed,
      rollout: 'deployed',
    });
    const deployment: Deployment = {
      model,
      version: deployed,
      canary: { id: CANARY_ID, version: candidate, sharePercent: 25, scope: UNSCOPED },
    };
    const served = patients
      .slice(0, 2000)
      .map((key) => servingVersion(deployment, key, PAIN_CLINICIAN).version.version);
    expect(new Set(served)).toEqual(new Set(['1.0.0', '2.0.0']));
    expect(served.filter((version) => version === '2.0.0').length / served.length).toBeCloseTo(0.25, 1);
    // Each answer says which: the canary's version as `canary`, the deployed one as `deployed`.
    for (const key of patients.slice(0, 200)) {
      const { version, rollout } = servingVersion(deployment, key, PAIN_CLINICIAN);
      expect(rollout).toBe(version === candidate ? 'canary' : 'deployed');
    }
  });

  it('serves a scoped canary only to callers of its sites and departments, by the same share inside', () => {
    const model = { name: 'knee' } as ModelEntity;
    const deployed = { version: '1.0.0' } as ModelVersionEntity;
    const candidate = { version: '2.0.0' } as ModelVersionEntity;
    const deployment: Deployment = {
      model,
      version: deployed,
      canary: {
        id: CANARY_ID,
        version: candidate,
        sharePercent: 50,
        scope: { sites: ['main-campus'], departments: ['pain-medicine', 'spine-surgery'] },
      },
    };
    const canaryShareFor = (caller: CanaryCaller) =>
      patients.slice(0, 2000).filter((key) => servingVersion(deployment, key, caller).rollout === 'canary')
        .length / 2000;
    expect(canaryShareFor(PAIN_CLINICIAN)).toBeCloseTo(0.5, 1);
    expect(canaryShareFor({ site: 'main-campus', departments: ['radiology', 'spine-surgery'] })).toBeCloseTo(
      0.5,
      1,
    );
    expect(canaryShareFor({ site: 'north-clinic', departments: ['pain-medicine'] })).toBe(0);
    expect(canaryShareFor({ departments: ['pain-medicine'] })).toBe(0);
    expect(canaryShareFor({ site: 'main-campus', departments: ['cardiology'] })).toBe(0);
    expect(canaryShareFor({ site: 'main-campus', departments: [] })).toBe(0);
  });
});
