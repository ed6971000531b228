import { isSameIdentity } from '../identity.js';
import type { BreakGlassEventEntity, BreakGlassGrantEntity } from './break-glass.entity.js';

/** Reasons an emergency can be declared for (the free-text justification says the rest). */
export const BREAK_GLASS_REASONS = [
  'life-threatening-emergency',
  'patient-unable-to-consent',
  'consent-record-unavailable',
  'other',
] as const;
export type BreakGlassReason = (typeof BREAK_GLASS_REASONS)[number];

/** Purposes of use under which a grant overrides a consent denial: emergency treatment and break-the-glass. */
export const BREAK_GLASS_PURPOSES: readonly string[] = ['ETREAT', 'BTG'];

export const REVIEW_OUTCOMES = ['justified', 'unjustified', 'needs-follow-up'] as const;
export type ReviewOutcome = (typeof REVIEW_OUTCOMES)[number];

export type GrantState = 'active' | 'ended' | 'expired';

/** A grant as the API shows it: never the patient pseudonym, never the patient reference. */
export interface GrantView {
  readonly id: string;
  readonly grantee: string;
  /** The issuer of the grantee's identity: a subject names a person at one issuer only. */
  readonly granteeIssuer: string;
  readonly reasonCode: string;
  readonly justification: string;
  readonly policyVersion: number;
  readonly startedAt: string;
  readonly expiresAt: string;
  readonly state: GrantState;
  readonly closedAt: string | null;
  readonly alert: 'delivered' | 'failed' | 'not_configured' | 'pending';
  readonly review: {
    readonly by: string;
    readonly outcome: string;
    readonly comment: string | null;
    readonly at: string;
  } | null;
}

/**
 * Whether the principal is the grant's holder: the same subject at the same issuer. With several
 * trusted issuers, the same `sub` at another IdP is someone else.
 */
export function isGrantHolder(
  grant: Pick<GrantView, 'grantee' | 'granteeIssuer'>,
  principal: { readonly subject: string; readonly issuer: string },
): boolean {
  return isSameIdentity({ subject: grant.grantee, issuer: grant.granteeIssuer }, principal);
}

/** A grant's state at `now` from its rows: closed by an end or expiry event, else by its time box. */
export function grantView(
  grant: BreakGlassGrantEntity,
  events: readonly BreakGlassEventEntity[],
  now: Date,
  webhookConfigured: boolean,
): GrantView {
  const closing = events.find((event) => event.kind === 'ended' || event.kind === 'expired');
  const review = events.find((event) => event.kind === 'reviewed');
  const alert = events.find((event) => event.kind === 'alert_delivered' || event.kind === 'alert_failed');
  const state: GrantState = closing
    ? (closing.kind as 'ended' | 'expired')
    : grant.expiresAt.getTime() <= now.getTime()
      ? 'expired'
      : 'active';
  return {
    id: grant.id,
    grantee: grant.granteeSubject,
    granteeIssuer: grant.granteeIssuer,
    reasonCode: grant.reasonCode,
    justification: grant.justification,
    policyVersion: grant.policyVersion,
    startedAt: grant.startedAt.toISOString(),
    expiresAt: grant.expiresAt.toISOString(),
    state,
    closedAt: closing ? closing.at.toISOString() : state === 'expired' ? grant.expiresAt.toISOString() : null,
    alert: alert
      ? alert.kind === 'alert_delivered'
        ? 'delivered'
        : 'failed'
      : webhookConfigured
        ? 'pending'
        : 'not_configured',
    review: review
      ? {
          by: review.actor,
          outcome: review.outcome ?? '',
          comment: review.comment,
          at: review.at.toISOString(),
        }
      : null,
  };
}
