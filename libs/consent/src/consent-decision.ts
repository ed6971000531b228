import type { CodeableConcept, ConsentRecord, Provision } from './consent-provision.js';
import type { ConsentQuestion } from './consent-question.js';
import { criteriaContext, criteriaMatch, type CriteriaContext } from './provision-criteria.js';

export type { ConsentQuestion } from './consent-question.js';

export type ConsentReason =
  'consent.permit' | 'consent.denied' | 'consent.revoked' | 'consent.absent' | 'consent.site_default';

export interface ConsentDecision {
  readonly decision: 'permit' | 'deny';
  readonly reason: ConsentReason;
  readonly consentId?: string;
  readonly consentVersion?: number;
  /** Where in the provision tree the decision was made, e.g. `provision.provision[1]`. */
  readonly provisionPath?: string;
}

/** One consent's answer to a question, for "why was this refused?". */
export interface ConsentRuling {
  readonly consentId: string;
  readonly consentVersion: number;
  readonly status: ConsentRecord['status'];
  readonly dateTime: Date;
  /** Absent when the consent does not speak to the question. */
  readonly ruling?: { readonly type: 'permit' | 'deny'; readonly path: string; readonly revoked: boolean };
}

export interface ConsentExplanation extends ConsentDecision {
  readonly considered: readonly ConsentRuling[];
}

/**
 * Decides whether a patient's consents allow a use (README, "How consent is decided"):
 *
 * 1. Each consent counts by its latest version. An `active` one speaks when its root provision applies;
 *    an `inactive` or `rejected` one (revoked, withdrawn) that permitted anything speaks as a refusal
 *    wherever its root applies; a withdrawn pure refusal, drafts, proposals and `entered-in-error`
 *    never speak.
 * 2. Within a consent, a provision applies when every criterion it populates matches (provision-criteria.ts);
 *    nested provisions are exceptions to their parent, so the most specific applicable provision along a
 *    branch decides; when sibling exceptions disagree, deny wins. A provision without a type inherits its
 *    parent's, a root without one refuses under an opt-out `policyRule` (OPTOUT, OPTOUTE) and grants
 *    nothing under an opt-in (see basePolicy).
 * 3. Several consents speak: the most recent (dateTime) wins, so a later explicit permit lifts an earlier
 *    refusal and a later refusal or revocation overrides an earlier permit; at equal times deny wins.
 * 4. None speaks: the site default decides per purpose (`defaultPermit`), otherwise `consent.absent`.
 */
export function decideConsent(
  consents: readonly ConsentRecord[],
  question: ConsentQuestion,
  defaultPermit: readonly string[],
): ConsentDecision {
  const context = criteriaContext(question);
  let winner: { consent: ConsentRecord; ruling: Ruling } | undefined;
  for (const consent of consents) {
    const ruling = consentRuling(consent, context);
    if (ruling && (!winner || speaksOver(consent, ruling, winner.consent, winner.ruling)))
      winner = { consent, ruling };
  }
  if (!winner) return siteDefault(question, defaultPermit);
  return {
    decision: winner.ruling.type,
    reason: winner.ruling.revoked
      ? 'consent.revoked'
      : winner.ruling.type === 'permit'
        ? 'consent.permit'
        : 'consent.denied',
    consentId: winner.consent.consentId,
    consentVersion: winner.consent.version,
    provisionPath: winner.ruling.path,
  };
}

/** The decision, with what each consent said: the answer to "why was this refused?". */
export function explainConsent(
  consents: readonly ConsentRecord[],
  question: ConsentQuestion,
  defaultPermit: readonly string[],
): ConsentExplanation {
  const context = criteriaContext(question);
  return {
    ...decideConsent(consents, question, defaultPermit),
    considered: consents.map((consent) => ({
      consentId: consent.consentId,
      consentVersion: consent.version,
      status: consent.status,
      dateTime: consent.dateTime,
      ruling: consentRuling(consent, context),
    })),
  };
}

/** The reason code a refused use is answered with; undefined when the decision permits. */
export function consentRefusal(
  decision: ConsentDecision,
): 'consent.denied' | 'consent.revoked' | 'consent.absent' | undefined {
  if (decision.decision === 'permit') return undefined;
  return decision.reason === 'consent.revoked' || decision.reason === 'consent.absent'
    ? decision.reason
    : 'consent.denied';
}

function siteDefault(question: ConsentQuestion, defaultPermit: readonly string[]): ConsentDecision {
  return defaultPermit.includes(question.purposeOfUse)
    ? { decision: 'permit', reason: 'consent.site_default' }
    : { decision: 'deny', reason: 'consent.absent' };
}

interface Ruling {
  readonly type: 'permit' | 'deny';
  readonly path: string;
  readonly revoked: boolean;
}

/**
 * Whether a consent's ruling speaks over another's: the later one; at the same instant a refusal, then a
 * revocation, then a fixed order (consent id, provision path), so the answer names the same consent
 * whatever order the consents are listed in.
 */
function speaksOver(
  consent: ConsentRecord,
  ruling: Ruling,
  other: ConsentRecord,
  otherRuling: Ruling,
): boolean {
  const later = consent.dateTime.getTime() - other.dateTime.getTime();
  if (later !== 0) return later > 0;
  if (ruling.type !== otherRuling.type) return ruling.type === 'deny';
  if (ruling.revoked !== otherRuling.revoked) return ruling.revoked;
  if (consent.consentId !== other.consentId) return consent.consentId < other.consentId;
  return ruling.path < otherRuling.path;
}

function consentRuling(consent: ConsentRecord, context: CriteriaContext): Ruling | undefined {
  const base = basePolicy(consent.policyRule);
  if (consent.status === 'active')
    return rule(consent.provision, context, 'provision', base === 'deny' ? base : undefined, true);
  if (consent.status !== 'inactive' && consent.status !== 'rejected') return undefined;
  // A withdrawn consent that granted anything refuses all its root covers (read as a refusal, so
  // knowing less never makes it silent); a withdrawn pure refusal no longer refuses.
  if (!grantsAnything(consent.provision, base) || !criteriaMatch(consent.provision, context, 'deny'))
    return undefined;
  return { type: 'deny', path: 'provision', revoked: true };
}

/** v3-ActCode base policies of a privacy consent: opt in (with restrictions), opt out (with exceptions). */
const BASE_POLICIES: Readonly<Record<string, 'permit' | 'deny'>> = {
  OPTIN: 'permit',
  OPTINR: 'permit',
  OPTOUT: 'deny',
  OPTOUTE: 'deny',
};

/**
 * R4 puts the base decision in `policyRule` and no type on the root provision ("not permitted in root
 * rule"). Under an opt-out the root refuses what it covers. Under an opt-in its direction is not in the
 * resource: R4's own examples write a grant (consent-example-basic) and a withholding (notTime, notThem,
 * notThis, notAuthor) the same way, so such a root grants nothing while active (its typed exceptions
 * still speak) and, once withdrawn, refuses what it may have granted. Codings that disagree: an opt-out.
 */
function basePolicy(policyRule: CodeableConcept | undefined): 'permit' | 'deny' | undefined {
  const types = (policyRule?.coding ?? []).map((coding) => BASE_POLICIES[coding.code ?? '']);
  if (types.includes('deny')) return 'deny';
  return types.includes('permit') ? 'permit' : undefined;
}

function grantsAnything(provision: Provision, inherited: 'permit' | 'deny' | undefined): boolean {
  const type = provision.type ?? inherited;
  return type === 'permit' || (provision.provision ?? []).some((child) => grantsAnything(child, type));
}

/**
 * The ruling of a provision and its exceptions. `strict` says whether every ancestor applies even
 * under permit semantics (unknown attributes do not match): only then may a permit be granted here.
 */
function rule(
  provision: Provision,
  context: CriteriaContext,
  path: string,
  inherited: 'permit' | 'deny' | undefined,
  strictAncestors: boolean,
): Ruling | undefined {
  if (!criteriaMatch(provision, context, 'deny')) return undefined;
  const strict = strictAncestors && criteriaMatch(provision, context, 'permit');
  const type = provision.type ?? inherited;
  let exception: Ruling | undefined;
  const children = provision.provision ?? [];
  for (let index = 0; index < children.length; index += 1) {
    const nested = rule(children[index], context, `${path}.provision[${index}]`, type, strict);
    if (nested && (!exception || (nested.type === 'deny' && exception.type === 'permit'))) exception = nested;
  }
  if (exception) return exception;
  if (type === 'deny') return { type, path, revoked: false };
  if (type === 'permit' && strict) return { type, path, revoked: false };
  return undefined;
}

/** Whether one provision's own criteria cover the question, read as a refusal or as a grant. */
export function provisionApplies(
  provision: Provision,
  question: ConsentQuestion,
  as: 'permit' | 'deny',
): boolean {
  return criteriaMatch(provision, criteriaContext(question), as);
}
