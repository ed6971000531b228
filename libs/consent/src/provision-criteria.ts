import type {
  CodeableConcept,
  Coding,
  Identifier,
  Period,
  Provision,
  ProvisionActor,
} from './consent-provision.js';
import type { ConsentQuestion } from './consent-question.js';
import { purposeLineage } from './purpose-of-use.js';
import { instantSpan, type InstantSpan } from './fhir-instants.js';

/**
 * How a provision is read: as a refusal (`deny`), a criterion matches when the use may touch what it
 * names; as a grant (`permit`), only when the use surely touches nothing else. Whatever the engine cannot
 * read (a coding without code, a concept in text only, an actor named by display only, a date it cannot
 * parse) may name anything: a refusal applies to it and a grant never does.
 */
export type Reading = 'permit' | 'deny';

export interface CriteriaContext {
  readonly question: ConsentQuestion;
  readonly purposes: readonly string[];
}

export function criteriaContext(question: ConsentQuestion): CriteriaContext {
  return { question, purposes: purposeLineage(question.purposeOfUse) };
}

/** Whether a provision's own criteria cover the question, read as a refusal or as a grant. */
export function criteriaMatch(provision: Provision, context: CriteriaContext, as: Reading): boolean {
  const { question } = context;
  const same = as === 'deny' ? sameLoosely : sameExactly;
  return (
    periodContains(provision.period, question.at, as, question.dateTimeZone) &&
    purposeMatches(codingCodes(provision.purpose), context.purposes, as) &&
    matches(codingCodes(provision.class), question.dataClasses, as) &&
    matches(codingCodes(provision.securityLabel), question.securityLabels, as) &&
    matches(conceptCodes(provision.action), actionsInvolved(question.action, as), as) &&
    matches(conceptCodes(provision.code), question.codes, as) &&
    matches(dataReferences(provision), question.dataReferences, as, same) &&
    actorMatches(provision, question, as) &&
    dataPeriodMatches(provision.dataPeriod, question.dataPeriod, as, question.dateTimeZone)
  );
}

/** The values a criterion names; `unreadable` when some entry names something the engine cannot read. */
interface Named {
  readonly values: readonly string[];
  readonly unreadable: boolean;
}

function matches(
  named: Named | undefined,
  used: readonly string[] | undefined,
  as: Reading,
  same: (named: string, used: string) => boolean = sameExactly,
): boolean {
  if (!named) return true;
  if (used === undefined) return as === 'deny';
  const isNamed = (value: string) => named.values.some((name) => same(name, value));
  return as === 'deny'
    ? used.some((value) => named.unreadable || isNamed(value))
    : used.length > 0 && used.every(isNamed);
}

function purposeMatches(named: Named | undefined, purposes: readonly string[], as: Reading): boolean {
  if (!named) return true;
  return named.values.some((code) => purposes.includes(code)) || (as === 'deny' && named.unreadable);
}

/**
 * consentaction: `use` is "retrieval and processing", `collect`, `disclose` and `correct` retrieve too,
 * so a refusal of `access` (retrieval) refuses them all; a grant of `use` grants the retrieval it needs.
 */
function actionsInvolved(action: string | undefined, as: Reading): readonly string[] | undefined {
  if (action === undefined) return undefined;
  return as === 'permit' || action === 'access' ? [action] : [action, 'access'];
}

function codingCodes(codings: readonly Coding[] | undefined): Named | undefined {
  if (!codings?.length) return undefined;
  const values = codings.flatMap((coding) => (coding.code ? [coding.code] : []));
  return { values, unreadable: values.length < codings.length };
}

/** The codings of one concept are translations of each other: it is readable if one of them has a code. */
function conceptCodes(concepts: readonly CodeableConcept[] | undefined): Named | undefined {
  if (!concepts?.length) return undefined;
  const perConcept = concepts.map((concept) =>
    (concept.coding ?? []).flatMap((c) => (c.code ? [c.code] : [])),
  );
  return { values: perConcept.flat(), unreadable: perConcept.some((codes) => codes.length === 0) };
}

function dataReferences(provision: Provision): Named | undefined {
  if (!provision.data?.length) return undefined;
  const values = provision.data.flatMap((data) =>
    data.reference.reference ? [data.reference.reference] : [],
  );
  return { values, unreadable: values.length < provision.data.length };
}

/**
 * An actor matches by its identifier (issuer and subject: one person), else by its reference (the
 * clinician or the model; a namesake's reference only for a refusal), else by its role code. A refusal
 * also applies when either its identifier or its reference names who acts.
 */
function actorMatches(provision: Provision, question: ConsentQuestion, as: Reading): boolean {
  if (!provision.actor?.length) return true;
  const { actors, actorIdentifiers, roles } = question;
  if (actors === undefined && actorIdentifiers === undefined && roles === undefined) return as === 'deny';
  return provision.actor.some((actor) => oneActorMatches(actor, question, as));
}

function oneActorMatches(actor: ProvisionActor, question: ConsentQuestion, as: Reading): boolean {
  const named = actor.reference;
  if (!named) return matches(conceptCodes(actor.role ? [actor.role] : undefined), question.roles, as);
  const byIdentifier = named.identifier && identifierMatches(named.identifier, question, as);
  const byReference = named.reference ? referenceMatches(named.reference, question, as) : undefined;
  // Named by display only: someone the engine cannot tell apart, whatever the role says.
  if (byIdentifier === undefined && byReference === undefined) return as === 'deny';
  if (as === 'deny') return (byIdentifier ?? false) || (byReference ?? false);
  return byIdentifier ?? byReference ?? false;
}

function identifierMatches(identifier: Identifier, question: ConsentQuestion, as: Reading): boolean {
  // An identifier missing its issuer or subject names nobody for sure: it can refuse, never grant.
  if (!identifier.system || !identifier.value) return as === 'deny';
  if (question.actorIdentifiers === undefined) return as === 'deny';
  const { system, value } = identifier;
  return as === 'deny'
    ? question.actorIdentifiers.some((id) => sameIssuer(id.system, system) && sameLoosely(id.value, value))
    : question.actorIdentifiers.some((id) => id.system === system && id.value === value);
}

function referenceMatches(reference: string, question: ConsentQuestion, as: Reading): boolean {
  if (question.actors === undefined) return as === 'deny';
  if (as === 'permit') return question.actors.includes(reference);
  return [...question.actors, ...(question.possibleActors ?? [])].some((actor) =>
    sameLoosely(actor, reference),
  );
}

function sameExactly(named: string, used: string): boolean {
  return named === used;
}

/**
 * How a refusal compares references: `Device/Lumbar-ESI-Outcome`, an absolute URL ending in
 * `Device/lumbar-esi-outcome` and `Device/lumbar-esi-outcome/_history/2` all name that model, so a
 * refusal is not escaped by its spelling. Grants compare exactly.
 */
function sameLoosely(named: string, used: string): boolean {
  return looseReference(named) === looseReference(used);
}

function looseReference(reference: string): string {
  const path = reference
    .trim()
    .toLowerCase()
    .replace(/\/_history\/[^/]*$/, '')
    .replace(/\/+$/, '');
  return /^[a-z][a-z0-9+.-]*:\/\//.test(path) ? path.split('/').slice(-2).join('/') : path;
}

function sameIssuer(a: string, b: string): boolean {
  const issuer = (value: string) => value.trim().toLowerCase().replace(/\/+$/, '');
  return issuer(a) === issuer(b);
}

/** When the rule holds: a refusal reads its bounds wide (an unreadable one as open), a grant narrow. */
function periodContains(period: Period | undefined, at: Date, as: Reading, timeZone?: string): boolean {
  if (!period) return true;
  const bounds = periodBounds(period, as, timeZone);
  return bounds !== undefined && bounds[0] <= at.getTime() && at.getTime() <= bounds[1];
}

/** A refusal applies when the data's period overlaps its own; a grant only when it lies inside. */
function dataPeriodMatches(
  named: Period | undefined,
  used: Period | undefined,
  as: Reading,
  timeZone?: string,
): boolean {
  if (!named || (!named.start && !named.end)) return true;
  if (!used) return as === 'deny';
  const bounds = periodBounds(named, as, timeZone);
  // The data's own period is read as wide as it may be, whichever way the provision is read.
  const [usedStart, usedEnd] = periodBounds(used, 'deny', timeZone) as readonly [number, number];
  if (!bounds) return false;
  const [start, end] = bounds;
  return as === 'deny' ? usedStart <= end && usedEnd >= start : usedStart >= start && usedEnd <= end;
}

/** Earliest start and latest end for a refusal; latest start and earliest end for a grant. */
function periodBounds(period: Period, as: Reading, timeZone?: string): readonly [number, number] | undefined {
  const wide = as === 'deny';
  const start = bound(period.start, wide ? 'earliestStart' : 'latestStart', -Infinity, wide, timeZone);
  const end = bound(period.end, wide ? 'latestEnd' : 'earliestEnd', Infinity, wide, timeZone);
  return start === undefined || end === undefined ? undefined : [start, end];
}

function bound(
  value: string | undefined,
  side: keyof InstantSpan,
  open: number,
  wide: boolean,
  timeZone?: string,
): number | undefined {
  if (!value) return open;
  const span = instantSpan(value, timeZone);
  if (span) return span[side];
  return wide ? open : undefined;
}
