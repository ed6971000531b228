import type { ConsentQuestion } from './consent-decision.js';

/** Who a token names: its subject, at the issuer that vouches for it. */
export interface Clinician {
  readonly subject: string;
  readonly issuer: string;
}

/**
 * How a consent question names the acting clinician. An identifier (issuer as `system`, subject as
 * `value`) names one person. A reference `Practitioner/<subject>` carries no issuer: it is read as
 * naming the subject at `referenceIssuer` (PRAESIDIUM_CONSENT_PRACTITIONER_ISSUER). For a clinician of
 * another trusted issuer the same reference may name a namesake, so it can refuse them but never grant.
 */
export function practitionerActors(
  clinician: Clinician,
  referenceIssuer: string | undefined,
): Required<Pick<ConsentQuestion, 'actors' | 'possibleActors' | 'actorIdentifiers'>> {
  const reference = `Practitioner/${clinician.subject}`;
  const isReferenceIssuer = clinician.issuer === referenceIssuer;
  return {
    actors: isReferenceIssuer ? [reference] : [],
    possibleActors: isReferenceIssuer ? [] : [reference],
    actorIdentifiers: [{ system: clinician.issuer, value: clinician.subject }],
  };
}

/**
 * Who acts in a consent question: the clinician (see practitionerActors), if one is named, and the
 * model as `Device/<name>`, if one is.
 */
export function consentActors(
  clinician: Clinician | undefined,
  modelName: string | undefined,
  referenceIssuer: string | undefined,
): Required<Pick<ConsentQuestion, 'actors' | 'possibleActors' | 'actorIdentifiers'>> {
  const named = clinician
    ? practitionerActors(clinician, referenceIssuer)
    : { actors: [], possibleActors: [], actorIdentifiers: [] };
  return modelName === undefined ? named : { ...named, actors: [...named.actors, `Device/${modelName}`] };
}
