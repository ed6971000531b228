// Suspending people, as the database decides it: two officers who suspend each other at once, or an
// officer suspended a moment ago whose request passed a process's list before it heard, must not be
// able to lock out the remaining officers nor lift anything.
import { PrincipalSuspensionEntity, PrincipalSuspensions } from '@praesidium/access';
import type { PraesidiumConfig } from '@praesidium/config';
import { openPostgres, type TestDatabase } from '../support/databases.js';

const ISSUER = 'https://idp.hospital.example/realms/clinical';
const OTHER_ISSUER = 'https://idp.hospital.example:443/realms/clinical';
const config = {
  auth: { issuers: [{ issuer: ISSUER }, { issuer: OTHER_ISSUER }] },
} as unknown as PraesidiumConfig;

describe('suspending people on PostgreSQL', () => {
  let db: TestDatabase;
  let suspensions: PrincipalSuspensions;
  // Each test its own officers: the run's database is shared.
  const officer = (name: string) => ({
    subject: `${name}.${Math.random().toString(36).slice(2, 8)}`,
    issuer: ISSUER,
  });

  beforeAll(async () => {
    db = await openPostgres([PrincipalSuspensionEntity]);
    suspensions = new PrincipalSuspensions(db.dataSource, config);
  });
  afterAll(async () => {
    await db?.close();
  });

  it('refuses an officer suspended meanwhile: two officers suspending each other at once leave one of them in', async () => {
    const [alice, mallory] = [officer('alice'), officer('mallory')];
    const outcomes = await Promise.allSettled([
      suspensions.suspendPrincipal(alice, { ...mallory, reason: 'account compromised' }),
      suspensions.suspendPrincipal(mallory, { ...alice, reason: 'locking out the other officer' }),
    ]);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.find((outcome) => outcome.status === 'rejected')).toMatchObject({
      reason: { code: 'access.principal_suspended' },
    });
  });

  it('lets no suspended officer suspend or lift, and nobody lift their own suspension at any issuer', async () => {
    const [alice, mallory, bob] = [officer('alice'), officer('mallory'), officer('bob')];
    const ofMallory = await suspensions.suspendPrincipal(alice, {
      ...mallory,
      reason: 'account compromised',
    });
    const ofBob = await suspensions.suspendPrincipal(alice, { ...bob, reason: 'laptop stolen' });
    await expect(
      suspensions.suspendPrincipal(mallory, { ...alice, reason: 'locking out the other officer' }),
    ).rejects.toMatchObject({ code: 'access.principal_suspended' });
    await expect(suspensions.liftSuspension(ofBob.id, mallory, 'let my friend in')).rejects.toMatchObject({
      code: 'access.principal_suspended',
    });
    // The same subject under the directory's other issuer name is no one else.
    const namesake = { subject: mallory.subject, issuer: OTHER_ISSUER };
    await expect(suspensions.liftSuspension(ofMallory.id, namesake, 'let me in')).rejects.toMatchObject({
      code: 'suspension.self',
    });
    expect((await suspensions.getSuspension(ofMallory.id)).state).toBe('active');
    expect(await suspensions.liftSuspension(ofBob.id, alice, 'laptop recovered')).toMatchObject({
      state: 'lifted',
    });
    await expect(suspensions.liftSuspension(ofBob.id, alice, 'twice')).rejects.toMatchObject({
      code: 'suspension.lifted',
    });
  });
});
