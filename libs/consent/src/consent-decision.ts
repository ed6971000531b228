import type {
  CodeableConcept,
  Coding,
  ConsentRecord,
  Identifier,
  Period,
  Provision,
  ProvisionActor,
} from './consent-provision.js';
import { purposeLineage } from './purpose-of-use.js';

/**
 * What is asked of the consents. Every attribute but purpose and time is optional: an attribute the
 * caller does not know (undefined) can be touched by a refusal but never granted by a permit.
 */
export interface ConsentQuestion {
  /** v3 PurposeOfUse code (TREAT, ETREAT, HOPERAT, HRESCH, CLINTRCH…). */
  readonly purposeOfUse: string;
  readonly at: Date;
  /** References that surely name who acts: the clinician (`Practitioner/<subject>`) and the model (`Device/<name>`). */
  readonly actors?: readonly string[];
  /**
   * References that may name who acts or a namesake (`Practitioner/<subject>` of a clinician whose
   * issuer is not the one such references are read under): a refusal naming them applies, a grant never.
   */
  readonly possibleActors?: readonly string[];
  /** Identifiers that name who acts: the clinician's issuer (`system`) and subject (`value`). */
  readonly actorIdentifiers?: readonly Required<Identifier>[];
  /** Role codes of the acting clinician (matched against `actor.role` of actors without a reference). */
  readonly roles?: readonly string[];
  /** Consent action code (consentaction: access, collect, use, disclose, correct). */
  readonly action?: string;
  /** Data categories the use reads (provision.class: imaging, notes, labs…). */
  readonly dataClasses?: readonly string[];
  /** Security labels of the data (confidentiality N/R/V, sensitivity such as PSY, HIV). */
  readonly securityLabels?: readonly string[];
  /** Codes of the data (provision.code). */
  readonly codes?: readonly string[];
  /** References of the specific resources read (provision.data). */
  readonly dataReferences?: readonly string[];
  /** When the data read was produced (provision.dataPeriod). */
  readonly dataPeriod?: Period;
}

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
 * 2. Within a consent, a provision applies when every criterion it populates matches; nested provisions
 *    are exceptions to their parent, so the most specific applicable provision along a branch decides;
 *    when sibling exceptions disagree, deny wins. A provision without a type inherits its parent's.
 * 3. Several consents speak: the most recent (dateTime) wins, so a later explicit permit lifts an earlier
 *    refusal and a later refusal or revocation overrides an earlier permit; at equal times deny wins.
 * 4. None speaks: the site default decides per purpose (`defaultPermit`), otherwise `consent.absent`.
 */
export function decideConsent(
  consents: readonly ConsentRecord[],
  question: ConsentQuestion,
  defaultPermit: readonly string[],
): ConsentDecision {
  const context = prepare(question);
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
  const context = prepare(question);
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

function speaksOver(
  consent: ConsentRecord,
  ruling: Ruling,
  other: ConsentRecord,
  otherRuling: Ruling,
): boolean {
  const later = consent.dateTime.getTime() - other.dateTime.getTime();
  if (later !== 0) return later > 0;
  return ruling.type === 'deny' && otherRuling.type === 'permit';
}

function consentRuling(consent: ConsentRecord, context: Context): Ruling | undefined {
  if (consent.status === 'active') return rule(consent.provision, context, 'provision', undefined, true);
  if (consent.status !== 'inactive' && consent.status !== 'rejected') return undefined;
  // A withdrawn consent that granted anything refuses all its root covers (read as a refusal, so
  // knowing less never makes it silent); a withdrawn pure refusal no longer refuses.
  if (!grantsAnything(consent.provision) || !applies(consent.provision, context, 'deny')) return undefined;
  return { type: 'deny', path: 'provision', revoked: true };
}

function grantsAnything(provision: Provision): boolean {
  return provision.type === 'permit' || (provision.provision ?? []).some(grantsAnything);
}

/**
 * The ruling of a provision and its exceptions. `strict` says whether every ancestor applies even
 * under permit semantics (unknown attributes do not match): only then may a permit be granted here.
 */
function rule(
  provision: Provision,
  context: Context,
  path: string,
  inherited: 'permit' | 'deny' | undefined,
  strictAncestors: boolean,
): Ruling | undefined {
  if (!applies(provision, context, 'deny')) return undefined;
  const strict = strictAncestors && applies(provision, context, 'permit');
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

interface Context {
  readonly question: ConsentQuestion;
  readonly purposes: readonly string[];
}

function prepare(question: ConsentQuestion): Context {
  return { question, purposes: purposeLineage(question.purposeOfUse) };
}

/** Whether one provision's own criteria cover the question, read as a refusal or as a grant (see below). */
export function provisionApplies(
  provision: Provision,
  question: ConsentQuestion,
  as: 'permit' | 'deny',
): boolean {
  return applies(provision, prepare(question), as);
}

/**
 * Whether a provision's criteria cover the question, read as a refusal (`deny`: a criterion matches when
 * the use touches any value it names, or the use's value is unknown) or as a grant (`permit`: every value
 * the use touches must be named, and unknown values never match).
 */
function applies(provision: Provision, context: Context, as: 'permit' | 'deny'): boolean {
  const { question } = context;
  if (provision.period && !within(provision.period, question.at)) return false;
  if (provision.purpose?.length && !provision.purpose.some((c) => context.purposes.includes(c.code)))
    return false;
  return (
    matches(codingCodes(provision.class), question.dataClasses, as) &&
    matches(codingCodes(provision.securityLabel), question.securityLabels, as) &&
    matches(
      conceptCodes(provision.action),
      question.action === undefined ? undefined : [question.action],
      as,
    ) &&
    matches(conceptCodes(provision.code), question.codes, as) &&
    matches(
      provision.data?.map((data) => data.reference.reference ?? ''),
      question.dataReferences,
      as,
    ) &&
    actorMatches(provision, question, as) &&
    dataPeriodMatches(provision.dataPeriod, question.dataPeriod, as)
  );
}

function matches(
  named: readonly string[] | undefined,
  used: readonly string[] | undefined,
  as: 'permit' | 'deny',
) {
  if (!named?.length) return true;
  if (used === undefined) return as === 'deny';
  return as === 'deny'
    ? used.some((value) => named.includes(value))
    : used.length > 0 && used.every((value) => named.includes(value));
}

/**
 * An actor matches by its identifier (issuer and subject: one person), else by its reference (the
 * clinician or the model; a namesake's reference only for a refusal), else by its role code.
 */
function actorMatches(provision: Provision, question: ConsentQuestion, as: 'permit' | 'deny'): boolean {
  if (!provision.actor?.length) return true;
  const { actors, actorIdentifiers, roles } = question;
  if (actors === undefined && actorIdentifiers === undefined && roles === undefined) return as === 'deny';
  return provision.actor.some((actor) => oneActorMatches(actor, question, as));
}

function oneActorMatches(actor: ProvisionActor, question: ConsentQuestion, as: 'permit' | 'deny'): boolean {
  const identifier = actor.reference?.identifier;
  if (identifier) {
    // An identifier missing its issuer or subject names nobody for sure: it can refuse, never grant.
    if (!identifier.system || !identifier.value) return as === 'deny';
    const { system, value } = identifier;
    const named = question.actorIdentifiers?.some((id) => id.system === system && id.value === value);
    return named ?? as === 'deny';
  }
  const reference = actor.reference?.reference;
  if (reference) {
    if (question.actors === undefined) return as === 'deny';
    if (question.actors.includes(reference)) return true;
    return as === 'deny' && (question.possibleActors?.includes(reference) ?? false);
  }
  const roles = conceptCodes(actor.role ? [actor.role] : undefined) ?? [];
  return roles.some((role) => question.roles?.includes(role) ?? as === 'deny');
}

/** A refusal applies when the data's period overlaps its own; a grant only when it lies inside. */
function dataPeriodMatches(
  named: Period | undefined,
  used: Period | undefined,
  as: 'permit' | 'deny',
): boolean {
  if (!named || (!named.start && !named.end)) return true;
  if (!used) return as === 'deny';
  const [start, end] = [time(named.start, -Infinity), time(named.end, Infinity)];
  const [usedStart, usedEnd] = [time(used.start, -Infinity), time(used.end, Infinity)];
  return as === 'deny' ? usedStart <= end && usedEnd >= start : usedStart >= start && usedEnd <= end;
}

function time(value: string | undefined, otherwise: number): number {
  return value ? new Date(value).getTime() : otherwise;
}

function codingCodes(codings: readonly Coding[] | undefined): readonly string[] | undefined {
  return codings?.map((coding) => coding.code);
}

function conceptCodes(concepts: readonly CodeableConcept[] | undefined): readonly string[] | undefined {
  return concepts?.flatMap((concept) => concept.coding?.map((coding) => coding.code) ?? []);
}

function within(period: Period, at: Date): boolean {
  if (period.start && at < new Date(period.start)) return false;
  if (period.end && at > new Date(period.end)) return false;
  return true;
}
