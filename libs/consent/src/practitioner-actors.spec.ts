import { consentActors } from './practitioner-actors.js';

const HOSPITAL = 'https://idp.hospital.example';

describe('who acts, as a consent question names them', () => {
  it('names the clinician by identifier, by reference only at the issuer references are read under, and the model', () => {
    expect(consentActors({ subject: 'dr.a', issuer: HOSPITAL }, 'esi', HOSPITAL)).toEqual({
      actors: ['Practitioner/dr.a', 'Device/esi'],
      possibleActors: [],
      actorIdentifiers: [{ system: HOSPITAL, value: 'dr.a' }],
    });
    expect(consentActors({ subject: 'dr.a', issuer: 'https://partner.example' }, 'esi', HOSPITAL)).toEqual({
      actors: ['Device/esi'],
      possibleActors: ['Practitioner/dr.a'],
      actorIdentifiers: [{ system: 'https://partner.example', value: 'dr.a' }],
    });
  });

  it('names no one when neither a clinician nor a model is given', () => {
    expect(consentActors(undefined, undefined, HOSPITAL)).toEqual({
      actors: [],
      possibleActors: [],
      actorIdentifiers: [],
    });
  });
});
