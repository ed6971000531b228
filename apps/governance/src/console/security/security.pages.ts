import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { modelVersionSubject, REVIEW_OUTCOMES, type GrantView } from '@praesidium/access';
import type { DecisionCount } from '@praesidium/audit';
import { attempt, flash, renderPage } from '../console-page.js';
import { addNavEntries } from '../navigation.js';
import { canaryLabel, type ApiCanary } from '../regulatory/canary.pages.js';
import { changeThenRedirect, formOf, userOf } from '../page-support.js';
import { registerAuditPages } from './audit.pages.js';
import { decisionChart } from './decision-chart.js';
import { registerSuspensionPages } from './suspension.pages.js';

const SECTION = 'Security officer';
const BUCKET_SECONDS = { minute: 60, hour: 3600, day: 86400 } as const;

addNavEntries([
  {
    href: '/console/security/decisions',
    label: 'Live decisions',
    section: SECTION,
    requires: [['read', 'AuditTrail']],
  },
  {
    href: '/console/security/audit',
    label: 'Audit trail',
    section: SECTION,
    requires: [['read', 'AuditTrail']],
  },
  {
    href: '/console/security/break-glass',
    label: 'Break-glass',
    section: SECTION,
    requires: [['read', 'BreakGlass']],
  },
  {
    href: '/console/security/policies',
    label: 'Access policies',
    section: SECTION,
    requires: [['read', 'Policy']],
  },
  {
    href: '/console/security/models',
    label: 'Suspend a model',
    section: SECTION,
    requires: [['suspend', 'ModelVersion']],
  },
  {
    href: '/console/security/suspensions',
    label: 'Suspend a person',
    section: SECTION,
    requires: [['suspend', 'PrincipalSuspension']],
  },
  { href: '/console/security/keys', label: 'Key rotation', section: SECTION, requires: [['rotate', 'Key']] },
]);

const decisionsQuery = z.object({ bucket: z.enum(['minute', 'hour', 'day']).default('hour') });
const reviewForm = z.object({
  outcome: z.enum(REVIEW_OUTCOMES),
  comment: z.string().trim().max(2000).optional(),
});
const proposalForm = z.object({
  document: z.string().min(2).max(200_000),
  reason: z.string().trim().min(1).max(2000),
});
const diffQuery = z.object({ from: z.coerce.number().int().min(1), to: z.coerce.number().int().min(1) });
const versionParam = z.object({ version: z.coerce.number().int().min(1).max(2_147_483_647) });
const suspendForm = z.object({ reason: z.string().trim().min(1).max(2000) });
const modelParams = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,127}$/),
  version: z.string().min(1).max(64),
});
const idParam = z.object({ id: z.uuid() });

interface PolicyVersionRow {
  version: number;
  sha256: string;
  author: string;
  reason: string;
  createdAt: string;
  basedOn: number | null;
  approvedBy: string | null;
  activatedAt: string | null;
}
interface ModelRow {
  name: string;
  displayName?: string;
  riskClass: string;
  departments: string[];
  versions: { version: string; status: string; manifestSha256: string }[];
  canary?: Pick<ApiCanary, 'version' | 'sharePercent' | 'scope'> | null;
}
interface RuleChange {
  action: string;
  subject: string;
  reason?: string;
  conditions?: unknown;
  fields?: unknown;
}

/**
 * The security officer's pages: live decisions, break-glass review, the audit trail (audit.pages.ts),
 * access policies with history, diff and four-eyes activation, suspending a model, suspending a
 * person (suspension.pages.ts), key rotation.
 */
export function registerSecurityPages(app: FastifyInstance, trustedIssuers: readonly string[]): void {
  registerAuditPages(app);
  registerSuspensionPages(app, trustedIssuers);

  app.get('/security/decisions', async (request, reply) => {
    const { bucket } = formOf(decisionsQuery, request.query);
    const answer = await attempt(() =>
      userOf(request).api.get<{ since: string; until: string; counts: DecisionCount[] }>('/audit/decisions', {
        bucket,
        since: new Date(Date.now() - spanOf(bucket)).toISOString(),
      }),
    );
    const chart = answer.value
      ? decisionChart(
          answer.value.counts,
          new Date(answer.value.since),
          new Date(answer.value.until),
          BUCKET_SECONDS[bucket],
        )
      : undefined;
    return renderPage(request, reply, 'security/decisions.hbs', {
      title: 'Live decisions',
      bucket,
      buckets: Object.keys(BUCKET_SECONDS).map((name) => ({ name, selected: name === bucket })),
      chart,
      since: answer.value?.since,
      until: answer.value?.until,
      problem: answer.problem,
    });
  });

  app.get('/security/break-glass', async (request, reply) => {
    const { api } = userOf(request);
    const alerts = await attempt(() => api.get<{ alerts: GrantView[] }>('/break-glass/alerts'));
    const reviews = await attempt(() =>
      api.get<{ reviews: GrantView[]; total: number }>('/break-glass/reviews'),
    );
    return renderPage(request, reply, 'security/break-glass.hbs', {
      title: 'Break-glass alerts and reviews',
      alerts: alerts.value?.alerts,
      reviews: reviews.value?.reviews.map((grant) => ({
        ...grant,
        reviewable: grant.state !== 'active' && grant.review === null,
      })),
      reviewsTotal: reviews.value?.total,
      reviewsCut: reviews.value !== undefined && reviews.value.total > reviews.value.reviews.length,
      outcomes: REVIEW_OUTCOMES,
      problem: alerts.problem ?? reviews.problem,
    });
  });

  app.post('/security/break-glass/:id/review', async (request, reply) => {
    const { id } = formOf(idParam, request.params);
    const form = formOf(reviewForm, request.body);
    return changeThenRedirect(request, reply, '/console/security/break-glass', 'Review recorded.', () =>
      userOf(request).api.post(`/break-glass/${id}/review`, {
        outcome: form.outcome,
        ...(form.comment ? { comment: form.comment } : {}),
      }),
    );
  });

  app.get('/security/policies', async (request, reply) => {
    const listed = await attempt(() =>
      userOf(request).api.get<{ active: number; versions: PolicyVersionRow[] }>('/policies'),
    );
    const active = listed.value?.active;
    const versions = (listed.value?.versions ?? []).map((version) => {
      const isPending = version.activatedAt === null;
      // Approvable only while the version it was proposed on is in force (else `policy.stale`).
      const isCurrent = version.basedOn === active;
      return {
        ...version,
        isActive: version.version === active,
        isPending,
        isStale: isPending && !isCurrent,
      };
    });
    return renderPage(request, reply, 'security/policies.hbs', {
      title: 'Access policies',
      active: listed.value?.active,
      versions,
      latest: versions[0]?.version,
      previous: versions[1]?.version,
      problem: listed.problem,
    });
  });

  app.get('/security/policies/diff', async (request, reply) => {
    const { from, to } = formOf(diffQuery, request.query);
    const diff = await attempt(() =>
      userOf(request).api.get<{
        from: number;
        to: number;
        roles: Record<string, { added: RuleChange[]; removed: RuleChange[] }>;
      }>(`/policies/${to}/diff`, { against: from }),
    );
    return renderPage(request, reply, 'security/policy-diff.hbs', {
      title: `Policy version ${to} against version ${from}`,
      from,
      to,
      roles: Object.entries(diff.value?.roles ?? {}).map(([role, change]) => ({
        role,
        added: change.added.map(describeRule),
        removed: change.removed.map(describeRule),
      })),
      problem: diff.problem,
    });
  });

  app.get('/security/policies/:version', async (request, reply) => {
    const { version } = formOf(versionParam, request.params);
    const found = await attempt(() =>
      userOf(request).api.get<PolicyVersionRow & { document: unknown }>(`/policies/${version}`),
    );
    return renderPage(request, reply, 'security/policy.hbs', {
      title: `Access policy version ${version}`,
      policy: found.value,
      document: found.value ? JSON.stringify(found.value.document, null, 2) : undefined,
      problem: found.problem,
    });
  });

  app.post('/security/policies', async (request, reply) => {
    const form = formOf(proposalForm, request.body);
    let document: unknown;
    try {
      document = JSON.parse(form.document);
    } catch {
      flash(request, {
        kind: 'problem',
        text: 'The policy document is not valid JSON',
        code: 'policy.invalid',
      });
      return reply.redirect('/console/security/policies', 303);
    }
    return changeThenRedirect(
      request,
      reply,
      '/console/security/policies',
      'Policy version proposed: a second security officer must approve it before it takes effect.',
      () => userOf(request).api.post('/policies', { document, reason: form.reason }),
    );
  });

  app.post('/security/policies/:version/approve', async (request, reply) => {
    const { version } = formOf(versionParam, request.params);
    return changeThenRedirect(
      request,
      reply,
      '/console/security/policies',
      `Policy version ${version} approved and now in force.`,
      () => userOf(request).api.post(`/policies/${version}/approve`),
    );
  });

  app.get('/security/models', async (request, reply) => {
    const { api, ability } = userOf(request);
    const models = await attempt(() => api.get<ModelRow[]>('/models'));
    return renderPage(request, reply, 'security/models.hbs', {
      title: 'Suspend a model',
      models: models.value?.map((model) => {
        // The API decides per model (its name, departments, risk class): offer only what it would do.
        const maySuspend = ability.can('suspend', modelVersionSubject({ ...model, model: model.name }));
        return {
          ...model,
          versions: model.versions.map((version) => ({
            ...version,
            isDeployed: version.status === 'deployed',
            maySuspend,
            canaryLabel: canaryLabel(model.canary, version.version),
          })),
        };
      }),
      problem: models.problem,
    });
  });

  app.post('/security/models/:name/versions/:version/suspend', async (request, reply) => {
    const { name, version } = formOf(modelParams, request.params);
    const { reason } = formOf(suspendForm, request.body);
    return changeThenRedirect(
      request,
      reply,
      '/console/security/models',
      `${name} ${version} is suspended: the gateway refuses it from the next call.`,
      () =>
        userOf(request).api.post(
          `/models/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}/transitions`,
          { action: 'suspend', reason },
        ),
    );
  });

  app.get('/security/keys', async (request, reply) => {
    const keys = await attempt(() =>
      userOf(request).api.get<{
        keys: { kid: string; alg: string; createdAt: string; retiresAt: string | null; state: string }[];
      }>('/keys/gateway-encryption'),
    );
    return renderPage(request, reply, 'security/keys.hbs', {
      title: 'Key rotation',
      keys: keys.value?.keys.map((key) => ({ ...key, isCurrent: key.state === 'current' })),
      problem: keys.problem,
    });
  });

  app.post('/security/keys/rotate', async (request, reply) =>
    changeThenRedirect(
      request,
      reply,
      '/console/security/keys',
      'New gateway encryption keys are current; the previous ones keep decrypting for the grace period.',
      () => userOf(request).api.post('/keys/gateway-encryption/rotations'),
    ),
  );
}

function spanOf(bucket: keyof typeof BUCKET_SECONDS): number {
  // An hour of minutes, a day of hours, a week of days.
  return { minute: 3600, hour: 86400, day: 7 * 86400 }[bucket] * 1000;
}

function describeRule(rule: RuleChange): { text: string; reason?: string } {
  const extras = [
    rule.conditions ? `when ${JSON.stringify(rule.conditions)}` : '',
    rule.fields ? `fields ${JSON.stringify(rule.fields)}` : '',
  ].filter(Boolean);
  return { text: [`${rule.action} ${rule.subject}`, ...extras].join(' '), reason: rule.reason };
}
