import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { allowsOnModelRecord, mayBeSamePerson, type ModelVersionSubject } from '@praesidium/access';
import { reportTables, type BiasReport } from '@praesidium/fairness';
import { SIGNATURE_MEANINGS } from '@praesidium/model-registry';
import type { ConsolePages } from '../console.plugin.js';
import { attempt, renderPage } from '../console-page.js';
import { addNavEntries } from '../navigation.js';
import type { ApiBiasReportRecord } from '../regulatory/regulatory.pages.js';
import { field, submitThenRedirect, userOf, versionHref } from '../page-support.js';

const idParam = z.object({ id: z.uuid() });

interface ApiBiasReport extends ApiBiasReportRecord {
  model: ModelVersionSubject | null;
  report: BiasReport | null;
  error: string | null;
  completedAt: string | null;
  comments: { id: number; author: string; body: string; createdAt: string }[];
  signOff: {
    bindsTo: string | null;
    signatures: {
      printedName: string;
      signerSubject: string;
      signerRole: string;
      meaning: string;
      signedAt: string;
      recordSha256: string;
    }[];
  };
}
interface ApiModel {
  name: string;
  displayName: string;
  versions: { id: string; version: string; status: string }[];
}

/**
 * The ethics board's pages: bias reports with their charts (the fairness library's own SVG) and
 * intervals, comments, the Part 11 sign-off with the signing PIN, the signing PIN itself, and the
 * approval queue (versions under review with what their approval still needs).
 */
export const ethicsPages: ConsolePages = (app) => {
  addNavEntries([
    {
      href: '/console/bias-reports',
      label: 'Bias reports',
      section: 'Ethics board',
      requires: [['read', 'BiasReport']],
    },
    {
      href: '/console/approval-queue',
      label: 'Approval queue',
      section: 'Approvals',
      requires: [
        ['sign', 'BiasReport'],
        ['approve', 'ModelVersion'],
      ],
    },
    {
      href: '/console/signing-pin',
      label: 'Signing PIN',
      section: 'Approvals',
      requires: [
        ['sign', 'ModelVersion'],
        ['sign', 'BiasReport'],
      ],
    },
  ]);
  registerRoutes(app);
};

function registerRoutes(app: FastifyInstance): void {
  app.get('/bias-reports', async (request, reply) => {
    const reports = await attempt(() => userOf(request).api.get<ApiBiasReportRecord[]>('/bias-reports'));
    return renderPage(request, reply, 'ethics/bias-reports.hbs', {
      title: 'Bias reports',
      problem: reports.problem,
      reports: reports.value?.map((report) => ({ ...report, badge: verdictBadge(report.verdict) })),
    });
  });

  app.get('/bias-reports/:id', async (request, reply) => {
    const { id } = idParam.parse(request.params);
    const { api, ability, principal } = userOf(request);
    const found = await api.get<ApiBiasReport>(`/bias-reports/${id}`);
    const finished = found.status === 'completed' || found.status === 'failed';
    const report = found.report;
    const fields = { id: found.id, requestedBy: found.requestedBy, verdict: found.verdict };
    return renderPage(request, reply, 'ethics/bias-report.hbs', {
      title: `Bias report ${found.dataset.name ?? found.id.slice(0, 8)}`,
      found: { ...found, badge: verdictBadge(found.verdict) },
      finished,
      versionLink: versionLinkOf(found.modelVersionRef),
      report: report && reportView(report),
      signatures: found.signOff.signatures.map((signature) => ({
        ...signature,
        current: signature.recordSha256 === found.signOff.bindsTo,
      })),
      // The forms follow the permissions on this report and its model (conditions on its departments…).
      canComment: allowsOnModelRecord(ability, 'review', 'BiasReport', fields, found.model),
      canSign:
        allowsOnModelRecord(ability, 'sign', 'BiasReport', fields, found.model) &&
        found.status === 'completed' &&
        principal.roles.includes('ethics-board') &&
        !mayBeSamePerson({ subject: found.requestedBy }, principal),
      isRequester: mayBeSamePerson({ subject: found.requestedBy }, principal),
      meanings: SIGNATURE_MEANINGS,
    });
  });

  app.get('/bias-reports/:id/report.html', async (request, reply) => {
    const { id } = idParam.parse(request.params);
    const download = await userOf(request).api.download(`/bias-reports/${id}/report.html`);
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header(
        'content-security-policy',
        String(download.headers['content-security-policy'] ?? "default-src 'none'"),
      )
      .header('cache-control', 'no-store')
      .send(download.body);
  });

  app.post('/bias-reports/:id/comments', async (request, reply) => {
    const { id } = idParam.parse(request.params);
    return submitThenRedirect(
      request,
      reply,
      `/console/bias-reports/${id}#comments`,
      () =>
        userOf(request).api.post(`/bias-reports/${id}/comments`, { body: field(request.body, 'body') ?? '' }),
      'Comment added.',
    );
  });

  app.post('/bias-reports/:id/sign-off', async (request, reply) => {
    const { id } = idParam.parse(request.params);
    return submitThenRedirect(
      request,
      reply,
      `/console/bias-reports/${id}#sign-off`,
      () =>
        userOf(request).api.post(`/bias-reports/${id}/signatures`, {
          role: 'ethics-board',
          meaning: field(request.body, 'meaning'),
          recordSha256: field(request.body, 'recordSha256'),
          pin: field(request.body, 'pin'),
        }),
      'Signed off: your electronic signature is bound to this report.',
    );
  });

  app.get('/signing-pin', async (request, reply) =>
    renderPage(request, reply, 'ethics/signing-pin.hbs', { title: 'Signing PIN' }),
  );

  app.post('/signing-pin', async (request, reply) => {
    const currentPin = field(request.body, 'currentPin');
    return submitThenRedirect(
      request,
      reply,
      '/console/signing-pin',
      () =>
        userOf(request).api.put('/signing-pin', {
          pin: field(request.body, 'pin') ?? '',
          ...(currentPin ? { currentPin } : {}),
        }),
      'Your signing PIN is set. You will enter it at every signature.',
    );
  });

  app.get('/approval-queue', async (request, reply) => {
    const { api, ability } = userOf(request);
    const models = await attempt(() => api.get<ApiModel[]>('/models'));
    const reports = ability.can('read', 'BiasReport')
      ? (await attempt(() => api.get<ApiBiasReportRecord[]>('/bias-reports'))).value
      : undefined;
    const queue = (models.value ?? []).flatMap((model) =>
      model.versions
        .filter((version) => version.status === 'under_review')
        .map((version) => {
          const refs = new Set([`${model.name}@${version.version}`, version.id]);
          const own = (reports ?? []).filter(
            (report) => report.modelVersionRef !== null && refs.has(report.modelVersionRef),
          );
          return {
            model: model.displayName,
            version: version.version,
            href: versionHref(model.name, version.version),
            reports: own.map((report) => ({
              ...report,
              href: `/console/bias-reports/${report.id}`,
              badge: verdictBadge(report.verdict),
            })),
          };
        }),
    );
    return renderPage(request, reply, 'ethics/approval-queue.hbs', {
      title: 'Approval queue',
      problem: models.problem,
      queue,
      canReadReports: reports !== undefined,
    });
  });
}

/** What the page shows of a computed report: the fairness library's tables, with badges and styled charts. */
function reportView(report: BiasReport) {
  const tables = reportTables(report);
  return {
    verdict: report.verdict,
    rows: report.overall.count,
    summary: report.summary,
    ...tables,
    judgements: tables.judgements.map((judgement) => ({
      ...judgement,
      badge: verdictBadge(judgement.outcome),
    })),
    groupings: tables.groupings.map((grouping) => ({
      ...grouping,
      // SVG made by @praesidium/fairness, which escapes every text that comes from data.
      charts: grouping.charts.map((svg) => svg.replace('<svg ', '<svg class="chart" ')),
    })),
  };
}

/** `model@version` as the console's version page, when the reference has that form. */
function versionLinkOf(ref: string | null): { href: string; label: string } | undefined {
  const at = ref?.indexOf('@') ?? -1;
  if (!ref || at <= 0) return undefined;
  return { href: versionHref(ref.slice(0, at), ref.slice(at + 1)), label: ref };
}

function verdictBadge(verdict: string | null): 'ok' | 'bad' | 'neutral' {
  if (verdict === 'pass') return 'ok';
  if (verdict === 'fail') return 'bad';
  return 'neutral';
}
