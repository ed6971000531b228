import type { ConsentRecord, Period, Provision } from './consent-provision.js';

export interface ConsentQuestion {
  readonly purposeOfUse: string;
  /** The data class the model reads (imaging, notes, labs…), when known. */
  readonly dataClass?: string;
  readonly at: Date;
}

export interface ConsentDecision {
  readonly decision: 'permit' | 'deny';
  /** `consent.permit`, `consent.denied`, `consent.absent` or `consent.site_default`. */
  readonly reason: 'consent.permit' | 'consent.denied' | 'consent.absent' | 'consent.site_default';
  readonly consentId?: string;
  readonly consentVersion?: number;
  /** Where in the provision tree the decision was made, e.g. `provision.provision[1]`. */
  readonly provisionPath?: string;
}

/**
 * Decides whether a patient's consents allow a use. The algorithm (README, "How consent is decided"):
 *
 * 1. Only `active` consents count, and only while the root provision's period covers the time.
 * 2. A provision applies when every criterion it populates matches (period, purpose, class); a
 *    consent speaks to the question when its root applies. The deepest applicable nested provision
 *    decides (nested provisions are exceptions to their parent); its type is the decision, inherited
 *    from the nearest ancestor that has one.
 * 3. Several consents that speak: the most recent (by dateTime) wins, so a later explicit permit lifts
 *    an earlier refusal and a later refusal revokes an earlier permit; on equal times, deny wins.
 * 4. No consent speaks: the site policy decides per purpose (`defaultPermit`), otherwise deny with
 *    `consent.absent` (explicit consent required, as GDPR sites need).
 */
export function decideConsent(
  consents: readonly ConsentRecord[],
  question: ConsentQuestion,
  defaultPermit: readonly string[],
): ConsentDecision {
  const spoken = consents
    .filter((consent) => consent.status === 'active')
    .map((consent) => ({ consent, ruling: rule(consent.provision, question, 'provision', undefined) }))
    .filter((entry): entry is { consent: ConsentRecord; ruling: Ruling } => entry.ruling !== undefined)
    .sort(
      (a, b) =>
        b.consent.dateTime.getTime() - a.consent.dateTime.getTime() ||
        Number(b.ruling.type === 'deny') - Number(a.ruling.type === 'deny'),
    );
  const winner = spoken[0];
  if (!winner) {
    return defaultPermit.includes(question.purposeOfUse)
      ? { decision: 'permit', reason: 'consent.site_default' }
      : { decision: 'deny', reason: 'consent.absent' };
  }
  return {
    decision: winner.ruling.type,
    reason: winner.ruling.type === 'permit' ? 'consent.permit' : 'consent.denied',
    consentId: winner.consent.id,
    consentVersion: winner.consent.version,
    provisionPath: winner.ruling.path,
  };
}

interface Ruling {
  readonly type: 'permit' | 'deny';
  readonly path: string;
}

function rule(
  provision: Provision,
  question: ConsentQuestion,
  path: string,
  inherited: 'permit' | 'deny' | undefined,
): Ruling | undefined {
  if (!applies(provision, question)) return undefined;
  const type = provision.type ?? inherited;
  const children = provision.provision ?? [];
  for (const [index, child] of children.entries()) {
    const nested = rule(child, question, `${path}.provision[${index}]`, type);
    if (nested) return nested;
  }
  return type ? { type, path } : undefined;
}

function applies(provision: Provision, question: ConsentQuestion): boolean {
  if (provision.period && !within(provision.period, question.at)) return false;
  if (
    provision.purpose?.length &&
    !provision.purpose.some((coding) => coding.code === question.purposeOfUse)
  ) {
    return false;
  }
  if (provision.class?.length && !provision.class.some((coding) => coding.code === question.dataClass))
    return false;
  return true;
}

function within(period: Period, at: Date): boolean {
  if (period.start && at < new Date(period.start)) return false;
  if (period.end && at > new Date(period.end)) return false;
  return true;
}
