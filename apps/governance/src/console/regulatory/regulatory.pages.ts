import fastifyMultipart, { type MultipartFile, type MultipartValue } from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { allowsOnModelRecord, modelVersionSubject } from '@praesidium/access';
import { CONFIG, type PraesidiumConfig } from '@praesidium/config';
import { EVIDENCE_KINDS, SIGNATURE_MEANINGS, type LifecycleAction } from '@praesidium/model-registry';
import type { CompletenessEntry } from '@praesidium/regulatory-docs';
import { ProblemError } from '@praesidium/problem';
import type { ConsolePages } from '../console.plugin.js';
import { attempt, flash, problemFlash, readableProblem, renderPage } from '../console-page.js';
import { ApiProblem } from '../console-api.js';
import { addNavEntries } from '../navigation.js';
import { field, segment, submitThenRedirect, userOf, versionHref } from '../page-support.js';
import {
  canaryLabel,
  canarySection,
  registerCanaryRoutes,
  type ApiCanary,
  type ApiCanaryChange,
} from './canary.pages.js';
import { feedbackPlanView, registerFeedbackPlanRoutes } from './feedback-plan.js';
import { feedbackPeriod, postMarketView, registerPostMarketRoutes } from './post-market.js';

/**
 * The documents regulatory affairs can generate: the signed submission bundle of every document, or
 * one document alone (`DOCUMENT_KINDS` of @praesidium/regulatory-docs).
 */
const DOCUMENT_CHOICES = [
  { kind: 'submission', label: 'Signed submission bundle: every document below, with a signed manifest' },
  { kind: 'fda-aidsf', label: 'FDA AI-enabled device software functions: submission content' },
  { kind: 'fda-pccp', label: 'FDA predetermined change control plan' },
  { kind: 'fda-cybersecurity', label: 'FDA premarket cybersecurity content' },
  { kind: 'eu-mdr-annex-ii', label: 'EU MDR Annex II technical documentation' },
  { kind: 'eu-mdr-annex-iii', label: 'EU MDR Annex III post-market surveillance plan' },
  { kind: 'eu-ai-act-annex-iv', label: 'EU AI Act Annex IV technical documentation' },
  { kind: 'model-card', label: 'Model card (FDA Appendix E)' },
  { kind: 'gmlp', label: 'Good machine learning practice: the ten principles' },
  { kind: 'sbom', label: 'Software bill of materials (CycloneDX 1.6)' },
] as const;

/** Which lifecycle steps leave each status (the registry's rules decide; this only offers the buttons). */
const NEXT_ACTIONS: Record<string, readonly LifecycleAction[]> = {
  draft: ['validate'],
  validated: ['submit'],
  under_review: ['approve', 'reject'],
  approved: ['deploy', 'retire'],
  deployed: ['suspend', 'retire'],
  suspended: ['resume', 'retire'],
  retired: [],
};
const ACTION_PERMISSION = (action: string) =>
  action === 'deploy' || action === 'resume' ? 'deploy' : action === 'approve' ? 'approve' : 'transition';
const SIGNER_ROLES = ['ethics-board', 'regulatory-affairs', 'model-owner'] as const;
/** Evidence kinds whose details are just an optional summary, so the form's summary field suffices. */
const SUMMARY_KINDS = new Set(['validation_report', 'test_report', 'bias_report', 'other']);

const versionParams = z.object({
  model: z.string().min(1).max(200),
  version: z.string().min(1).max(100),
});
const idParam = z.object({ id: z.uuid() });

interface ApiVersion {
  id: string;
  version: string;
  status: string;
  manifestSha256: string;
}
interface ApiModel {
  name: string;
  displayName: string;
  intendedUse: string;
  limitations: string;
  riskClass: string;
  departments: string[];
  isDemonstration: boolean;
  versions: ApiVersion[];
  /** The canary running, if any. */
  canary?: ApiCanary | null;
}
interface ApiVersionDetail extends ApiVersion {
  backendUrl: string;
  approvalRecordSha256: string;
}
interface ApiSignature {
  signerSubject: string;
  printedName: string;
  signerRole: string;
  meaning: string;
  recordSha256: string;
  signedAt: string;
}
interface ApiHistory {
  transitions: { fromStatus: string; toStatus: string; actor: string; reason: string; at: string }[];
  signatures: ApiSignature[];
}
interface ApiEvidence {
  kind: string;
  title: string;
  fileName: string | null;
  mediaType: string | null;
  sizeBytes: number | null;
  sha256: string;
  createdBy: string;
  createdAt: string;
}
export interface ApiDocument {
  id: string;
  kind: string;
  model: string;
  version: string;
  status: 'queued' | 'running' | 'completed' | 'failed';
  jobId: string | null;
  files: { name: string; mediaType: string; sha256: string }[];
  completeness: CompletenessEntry[] | null;
  bundleSha256: string | null;
  error: string | null;
  createdAt: string;
  completedAt: string | null;
}
export interface ApiBiasReportRecord {
  id: string;
  status: string;
  requestedBy: string;
  modelVersionRef: string | null;
  dataset: { name?: string; rows: number; sha256: string };
  verdict: string | null;
  reportSha256: string | null;
  createdAt: string;
}

/**
 * Regulatory affairs' pages: the registry's models and versions with their evidence and lifecycle,
 * evidence upload (multipart, CSRF-checked, validated by the API as any upload), documents generated as
 * jobs with a progress bar and downloads, and each document's completeness report as a checklist.
 */
export const regulatoryPages: ConsolePages = (app, nest) => {
  const config = nest.get<PraesidiumConfig>(CONFIG);
  addNavEntries([
    {
      href: '/console/registry',
      label: 'Models and versions',
      section: 'Regulatory affairs',
      requires: [['read', 'ModelVersion']],
    },
  ]);
  // Its own context: multipart bodies are parsed for these routes only.
  void app.register(async (pages: FastifyInstance) => {
    await pages.register(fastifyMultipart, {
      attachFieldsToBody: true,
      // One byte over the API's limit still reaches the API, which refuses it with its own code.
      limits: { files: 1, fields: 20, fileSize: config.registry.evidenceMaxBytes + 1, parts: 25 },
    });
    registerRoutes(pages, config);
  });
};

function registerRoutes(app: FastifyInstance, config: PraesidiumConfig): void {
  app.get('/registry', async (request, reply) => {
    const models = await attempt(() => userOf(request).api.get<ApiModel[]>('/models'));
    return renderPage(request, reply, 'regulatory/models.hbs', {
      title: 'Models and versions',
      problem: models.problem,
      models: models.value?.map((model) => ({
        ...model,
        versions: model.versions.map((version) => ({
          ...version,
          href: versionHref(model.name, version.version),
          badge: statusBadge(version.status),
          canaryLabel: canaryLabel(model.canary, version.version),
        })),
      })),
    });
  });

  registerPostMarketRoutes(app);
  registerFeedbackPlanRoutes(app);

  app.get('/registry/:model/:version', async (request, reply) => {
    const { model, version } = versionParams.parse(request.params);
    return renderVersionPage(request, reply, model, version, config);
  });

  app.post('/registry/:model/:version/evidence', async (request, reply) => {
    const { model, version } = versionParams.parse(request.params);
    const back = versionHref(model, version);
    const body = request.body as Record<string, MultipartValue | MultipartFile | undefined> | undefined;
    let evidence: Record<string, unknown>;
    try {
      evidence = await evidenceRequest(body);
    } catch (error) {
      if (!(error instanceof ProblemError)) throw error;
      flash(request, problemFlash({ title: error.detail ?? error.message, code: error.code }));
      return reply.redirect(`${back}#evidence`, 303);
    }
    return submitThenRedirect(
      request,
      reply,
      `${back}#evidence`,
      () => userOf(request).api.post(`${apiVersionPath(model, version)}/evidence`, evidence),
      'Evidence added: the approval record changed, so earlier signatures no longer count for approval.',
    );
  });

  app.post('/registry/:model/:version/transitions', async (request, reply) => {
    const { model, version } = versionParams.parse(request.params);
    const action = field(request.body, 'action') ?? '';
    return submitThenRedirect(
      request,
      reply,
      versionHref(model, version),
      () =>
        userOf(request).api.post(`${apiVersionPath(model, version)}/transitions`, {
          action,
          reason: field(request.body, 'reason') ?? '',
        }),
      `Done: ${action} ${model} ${version}.`,
    );
  });

  registerCanaryRoutes(app);

  app.post('/registry/:model/:version/signatures', async (request, reply) => {
    const { model, version } = versionParams.parse(request.params);
    return submitThenRedirect(
      request,
      reply,
      `${versionHref(model, version)}#signatures`,
      () =>
        userOf(request).api.post(`${apiVersionPath(model, version)}/signatures`, {
          role: field(request.body, 'role'),
          meaning: field(request.body, 'meaning'),
          recordSha256: field(request.body, 'recordSha256'),
          pin: field(request.body, 'pin'),
        }),
      'Signed: your electronic signature is recorded on the approval record.',
    );
  });

  app.post('/registry/:model/:version/documents', async (request, reply) => {
    const { model, version } = versionParams.parse(request.params);
    try {
      const created = await userOf(request).api.post<{ id: string }>('/documents', {
        kind: field(request.body, 'kind'),
        model,
        version,
      });
      return reply.redirect(`/console/documents/${created.id}`, 303);
    } catch (error) {
      if (!(error instanceof ApiProblem)) throw error;
      flash(request, problemFlash(readableProblem(error.problem)));
      return reply.redirect(`${versionHref(model, version)}#documents`, 303);
    }
  });

  app.get('/documents/:id', async (request, reply) => {
    const { id } = idParam.parse(request.params);
    const { api } = userOf(request);
    const document = await api.get<ApiDocument>(`/documents/${id}`);
    const finished = document.status === 'completed' || document.status === 'failed';
    // The job says how far it got; only its requester may read it, anyone else sees the status alone.
    const job =
      !finished && document.jobId
        ? (await attempt(() => api.get<{ progress: number }>(`/jobs/${segment(document.jobId ?? '')}`))).value
        : undefined;
    const progress = finished ? 100 : Math.max(0, Math.min(100, Math.round(job?.progress ?? 0)));
    return renderPage(request, reply, 'regulatory/document.hbs', {
      title: `${kindLabel(document.kind)}: ${document.model} ${document.version}`,
      document,
      kindLabel: kindLabel(document.kind),
      finished,
      progress,
      versionHref: versionHref(document.model, document.version),
      archiveHref: `/console/documents/${document.id}/archive`,
      files: document.files.map((file) => ({
        ...file,
        href: `/console/documents/${document.id}/download?file=${segment(file.name)}`,
      })),
      checklist: checklist(document.completeness ?? []),
      gapCount: document.completeness?.length ?? 0,
    });
  });

  app.get('/documents/:id/archive', async (request, reply) => {
    const { id } = idParam.parse(request.params);
    const download = await userOf(request).api.download(`/documents/${id}/archive`);
    return reply
      .header('content-type', 'application/zip')
      .header(
        'content-disposition',
        String(download.headers['content-disposition'] ?? attachment(`${id}.zip`)),
      )
      .send(download.body);
  });

  app.get('/documents/:id/download', async (request, reply) => {
    const { id } = idParam.parse(request.params);
    const { file } = z.object({ file: z.string().min(1).max(300) }).parse(request.query);
    const download = await userOf(request).api.download(`/documents/${id}/content`, { file });
    return reply
      .header('content-type', String(download.headers['content-type'] ?? 'application/octet-stream'))
      .header('content-disposition', attachment(file))
      .header('digest', String(download.headers.digest ?? ''))
      .header('cache-control', 'no-store')
      .send(download.body);
  });
}

async function renderVersionPage(
  request: FastifyRequest,
  reply: FastifyReply,
  modelName: string,
  versionName: string,
  config: PraesidiumConfig,
): Promise<FastifyReply> {
  const { api, ability, principal } = userOf(request);
  const path = apiVersionPath(modelName, versionName);
  const [model, version] = await Promise.all([
    api.get<ApiModel>(`/models/${segment(modelName)}`),
    api.get<ApiVersionDetail>(path),
  ]);
  const [history, evidence, documents, biasReports, postMarket, feedbackPlan, canaryHistory] =
    await Promise.all([
      attempt(() => api.get<ApiHistory>(`${path}/history`)),
      attempt(() => api.get<ApiEvidence[]>(`${path}/evidence`)),
      ability.can('read', 'RegulatoryDocument')
        ? attempt(() => api.get<ApiDocument[]>('/documents', { model: modelName, version: versionName }))
        : undefined,
      ability.can('read', 'BiasReport')
        ? attempt(() => api.get<ApiBiasReportRecord[]>('/bias-reports'))
        : undefined,
      postMarketView(api, path, feedbackPeriod(request.query)),
      feedbackPlanView(api, path),
      attempt(() => api.get<{ history: ApiCanaryChange[] }>(`/models/${segment(modelName)}/canary`)),
    ]);
  const refs = new Set([`${modelName}@${versionName}`, version.id]);
  const signerRoles = SIGNER_ROLES.filter((role) => principal.roles.includes(role));
  // The buttons follow the permissions on this model's versions (conditions on its departments…).
  const scope = modelVersionSubject({
    model: model.name,
    departments: model.departments,
    riskClass: model.riskClass,
  });
  const actions = (NEXT_ACTIONS[version.status] ?? []).filter((action) =>
    ability.can(ACTION_PERMISSION(action), scope),
  );
  return renderPage(request, reply, 'regulatory/version.hbs', {
    title: `${model.displayName} ${version.version}`,
    model,
    version: { ...version, badge: statusBadge(version.status) },
    base: versionHref(modelName, versionName),
    problem: history.problem ?? evidence.problem,
    transitions: history.value?.transitions,
    signatures: history.value?.signatures.map((signature) => ({
      ...signature,
      current: signature.recordSha256 === version.approvalRecordSha256,
    })),
    evidence: evidence.value,
    documents: documents?.value?.map((document) => ({ ...document, kindLabel: kindLabel(document.kind) })),
    biasReports: biasReports?.value
      ?.filter((report) => report.modelVersionRef !== null && refs.has(report.modelVersionRef))
      .map((report) => ({ ...report, href: `/console/bias-reports/${report.id}` })),
    canReadDocuments: documents !== undefined,
    canReadBiasReports: biasReports !== undefined,
    postMarket,
    feedbackPlan,
    canAddEvidence: ability.can('register', scope),
    canRecordPerformance: ability.can('register', scope),
    // Generating a document is allowed per model too (RegulatoryDocument conditions on its departments…).
    canGenerate: allowsOnModelRecord(
      ability,
      'record',
      'RegulatoryDocument',
      { requestedBy: principal.subject },
      { model: model.name, departments: model.departments, riskClass: model.riskClass },
    ),
    canSign: ability.can('sign', scope) && signerRoles.length > 0,
    evidenceKinds: EVIDENCE_KINDS,
    evidenceMaxKiB: Math.floor(config.registry.evidenceMaxBytes / 1024),
    documentChoices: DOCUMENT_CHOICES,
    actions,
    canary: canarySection(model, version, ability, canaryHistory.value?.history),
    signerRoles,
    meanings: SIGNATURE_MEANINGS,
  });
}

/** The API's JSON body for `POST …/evidence` from the console's multipart form. */
async function evidenceRequest(
  body: Record<string, MultipartValue | MultipartFile | undefined> | undefined,
): Promise<Record<string, unknown>> {
  const kind = field(body, 'kind') ?? '';
  const summary = field(body, 'summary')?.trim();
  const detailsJson = field(body, 'details')?.trim();
  let details: unknown;
  if (detailsJson) {
    try {
      details = JSON.parse(detailsJson);
    } catch {
      throw new ProblemError('request.invalid', 'the details are not JSON');
    }
  } else if (summary && SUMMARY_KINDS.has(kind)) {
    details = { summary };
  }
  const upload = body?.file;
  const file =
    upload && upload.type === 'file' && upload.filename
      ? {
          fileName: upload.filename,
          mediaType: upload.mimetype,
          contentBase64: (await upload.toBuffer()).toString('base64'),
        }
      : undefined;
  return {
    kind,
    title: field(body, 'title') ?? '',
    ...(details !== undefined ? { details } : {}),
    ...(file && file.contentBase64.length > 0 ? { file } : {}),
  };
}

function apiVersionPath(model: string, version: string): string {
  return `/models/${segment(model)}/versions/${segment(version)}`;
}

function kindLabel(kind: string): string {
  return DOCUMENT_CHOICES.find((choice) => choice.kind === kind)?.label ?? kind;
}

function statusBadge(status: string): 'ok' | 'bad' | 'neutral' {
  if (status === 'approved' || status === 'deployed') return 'ok';
  if (status === 'suspended' || status === 'retired') return 'bad';
  return 'neutral';
}

/** The completeness report grouped by section: each gap an open item saying what to add and why. */
function checklist(entries: readonly CompletenessEntry[]) {
  const sections = new Map<string, CompletenessEntry[]>();
  for (const entry of entries) sections.set(entry.section, [...(sections.get(entry.section) ?? []), entry]);
  return [...sections].map(([section, items]) => ({ section, items }));
}

/** `attachment` with an ASCII fallback and the exact name in RFC 8187 form (RFC 6266 4.3). */
function attachment(name: string): string {
  const ascii = name.replace(/[^A-Za-z0-9._-]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
