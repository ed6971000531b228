import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AuditRecord, AuditVerification } from '@praesidium/audit';
import { ApiProblem } from '../console-api.js';
import { attempt, flash, problemFlash, readableProblem, renderPage } from '../console-page.js';
import { formOf, userOf } from '../page-support.js';

/**
 * The filters of an audit search, as the API names them. The patient filter is the reference the
 * officer typed (the API pseudonymizes it); it travels in form bodies only, never in a URL.
 */
const searchForm = z.object({
  action: z.string().trim().max(64).optional(),
  outcome: z.enum(['', 'success', 'refused', 'failure']).optional(),
  reason_code: z.string().trim().max(64).optional(),
  agent: z.string().trim().max(256).optional(),
  patient: z.string().trim().max(256).optional(),
  model: z.string().trim().max(128).optional(),
  since: z.string().trim().max(40).optional(),
  until: z.string().trim().max(40).optional(),
  cursor: z.string().max(512).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});
const exportForm = searchForm.extend({ format: z.enum(['csv', 'ndjson', 'fhir']) });
const jobParam = z.object({ id: z.string().regex(/^[A-Za-z0-9-]{1,64}$/) });

type SearchForm = z.infer<typeof searchForm>;

interface JobView {
  id: string;
  name: string;
  state: string;
  progress: number;
  requestedBy?: string;
  result?: AuditVerification;
  error?: string;
}

export function registerAuditPages(app: FastifyInstance): void {
  app.get('/security/audit', async (request, reply) =>
    renderPage(request, reply, 'security/audit.hbs', { title: 'Audit trail', filters: { limit: 50 } }),
  );

  app.post('/security/audit/search', async (request, reply) => {
    const filters = formOf(searchForm, request.body);
    const page = await attempt(() =>
      userOf(request).api.get<{ records: AuditRecord[]; nextCursor: string | null }>(
        '/audit/events',
        apiQuery(filters),
      ),
    );
    return renderPage(request, reply, 'security/audit.hbs', {
      title: 'Audit trail',
      filters,
      searched: true,
      records: page.value?.records.map(describeRecord),
      nextCursor: page.value?.nextCursor,
      problem: page.problem,
    });
  });

  app.post('/security/audit/export', async (request, reply) => {
    const form = formOf(exportForm, request.body);
    const download = await userOf(request).api.download('/audit/export', {
      ...apiQuery(form),
      format: form.format,
    });
    for (const name of ['content-type', 'content-disposition', 'x-next-cursor'] as const) {
      const value = download.headers[name];
      if (typeof value === 'string') void reply.header(name, value);
    }
    return reply.send(download.body);
  });

  app.post('/security/audit/verify', async (request, reply) => {
    try {
      const { job } = await userOf(request).api.post<{ job: string }>('/audit/verifications');
      return await reply.redirect(`/console/security/audit/verifications/${job}`, 303);
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      flash(request, problemFlash(readableProblem(error.problem)));
      return reply.redirect('/console/security/audit', 303);
    }
  });

  app.get('/security/audit/verifications/:id', async (request, reply) => {
    const { id } = formOf(jobParam, request.params);
    const job = await attempt(() => userOf(request).api.get<JobView>(`/jobs/${id}`));
    const value = job.value;
    const finished = value?.state === 'completed' || value?.state === 'failed';
    return renderPage(request, reply, 'security/audit-verification.hbs', {
      title: 'Audit trail verification',
      job: value,
      finished,
      result: value?.result,
      records: value?.result?.streams.reduce((sum, stream) => sum + stream.checked, 0),
      brokenStreams: value?.result?.streams.filter((stream) => !stream.valid),
      problem: job.problem,
    });
  });
}

function apiQuery(form: SearchForm): Record<string, string | number | undefined> {
  return {
    action: form.action || undefined,
    outcome: form.outcome || undefined,
    reason_code: form.reason_code || undefined,
    agent: form.agent || undefined,
    patient: form.patient || undefined,
    model: form.model || undefined,
    since: isoOrUndefined(form.since),
    until: isoOrUndefined(form.until),
    cursor: form.cursor || undefined,
    limit: form.limit,
  };
}

/** `datetime-local` inputs give local time without a zone: they are read as UTC, as the page says. */
function isoOrUndefined(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const withZone = /[zZ]|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`;
  const date = new Date(withZone.length === 17 ? withZone.replace('Z', ':00Z') : withZone);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

/** One record as a row: what happened, to what, by whom; a patient appears as its pseudonym only. */
function describeRecord(record: AuditRecord) {
  const { event } = record;
  return {
    at: event.recordedAt,
    action: event.action,
    outcome: event.outcome,
    isRefused: event.outcome !== 'success',
    reasonCode: event.reasonCode,
    agent: event.agent?.subject,
    model: [event.entity?.model, event.entity?.modelVersion].filter(Boolean).join(' '),
    purpose: event.purposeOfUse,
    stream: record.streamId,
    seq: record.seq,
    hash: record.hash,
  };
}
