/** A person as a verified token names them: a subject at an issuer. */
export interface Identity {
  readonly subject: string;
  readonly issuer: string;
}

/**
 * Whether two identities are the same: the same subject at the same issuer. What a held right is keyed
 * by (a signing PIN, a job, a break-glass grant): with several trusted issuers, the same `sub` at
 * another IdP is someone else and gets none of it.
 */
export function isSameIdentity(a: Identity, b: Identity): boolean {
  return a.subject === b.subject && a.issuer === b.issuer;
}

/**
 * Separation of duties ("someone else approves") asks the other question: could these two be one
 * person? The same subject at any issuer may be: one directory can be trusted under two issuer names
 * (a Keycloak realm reached under two host names issues one `sub` under two `iss`), and records made
 * before issuers were kept name the subject alone. So the same subject is never the second person.
 */
export function mayBeSamePerson(a: Pick<Identity, 'subject'>, b: Pick<Identity, 'subject'>): boolean {
  return a.subject === b.subject;
}
