import { isSameIdentity, mayBeSamePerson } from './identity.js';

const hospital = { subject: 'dr.rivera', issuer: 'https://idp.hospital.example' };
const partner = { subject: 'dr.rivera', issuer: 'https://partner-idp.example' };

describe('who is who across trusted issuers', () => {
  it('holds a right for the same subject at the same issuer only', () => {
    expect(isSameIdentity(hospital, { ...hospital })).toBe(true);
    expect(isSameIdentity(hospital, partner)).toBe(false);
    expect(isSameIdentity(hospital, { ...hospital, subject: 'dr.weber' })).toBe(false);
  });

  it('never counts a namesake at another issuer as the second person of a separation of duties', () => {
    expect(mayBeSamePerson(hospital, partner)).toBe(true);
    expect(mayBeSamePerson(hospital, { ...hospital, subject: 'dr.weber' })).toBe(false);
  });
});
