import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { modelSubject } from '@praesidium/access';
import { PURPOSES_OF_USE } from '@praesidium/config';
import { PATIENT_REFERENCE, VERIFICATION_METHODS } from '@praesidium/consent';
import { FEEDBACK_REASONS, FEEDBACK_VERDICTS } from '@praesidium/model-registry';
import { ApiProblem } from '../console-api.js';
import { attempt, readableProblem, renderPage, type ReadableProblem } from '../console-page.js';
import { addNavEntries } from '../navigation.js';
import { formOf, userOf } from '../page-support.js';

const SECTION = 'Clinician';
const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';

addNavEntries([
  {
    href: '/console/clinician/consents',
    label: 'Patient consents',
    section: SECTION,
    requires: [['record', 'Consent']],
  },
  {
    href: '/console/clinician/models',
    label: 'Models I may use',
    section: SECTION,
    requires: [['infer', 'Model']],
  },
  {
    href: '/console/clinician/feedback',
    label: 'Feedback on an output',
    section: SECTION,
    requires: [['infer', 'Model']],
  },
]);

const patient = z.string().trim().regex(PATIENT_REFERENCE, 'a Patient reference such as Patient/123');
const lookupForm = z.object({ patient });
const recordForm = z.object({
  patient,
  decision: z.enum(['permit', 'deny']),
  purpose: z.union([z.enum(PURPOSES_OF_USE), z.array(z.enum(PURPOSES_OF_USE)).min(1)]),
  verification: z.enum(VERIFICATION_METHODS),
});
const revokeForm = z.object({ patient, verification: z.enum(VERIFICATION_METHODS) });
const idParam = z.object({ id: z.uuid() });
const whyForm = z.object({
  patient,
  purpose: z.enum(PURPOSES_OF_USE),
  model: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,127}$/),
});
const feedbackForm = z.object({
  stream: z.string().trim().min(1).max(200),
  seq: z.coerce.number().int().min(1),
  hash: z
    .string()
    .trim()
    .regex(/^([0-9a-f]{64})?$/)
    .optional(),
  verdict: z.enum(FEEDBACK_VERDICTS),
  reason: z.enum(FEEDBACK_REASONS),
});

interface FhirConsent {
  id: string;
  status: string;
  dateTime?: string;
  meta?: { versionId?: string };
  provision?: { type?: string; purpose?: { code?: string }[] };
}
interface ModelRow {
  name: string;
  departments: string[];
  riskClass: string;
  versions: { version: string; status: string }[];
}

/**
 * The clinician's pages: a patient's consents (look up, record, revoke with how consent was verified),
 * the models they may use and why not, and feedback on an output. The patient reference is the one the
 * clinician typed, posted in form bodies only; nothing else about a patient is ever displayed.
 */
export function registerClinicianPages(app: FastifyInstance, gatewayUrl: string): void {
  app.get('/clinician/consents', async (request, reply) =>
    renderConsents(request, reply, undefined, undefined, undefined),
  );

  app.post('/clinician/consents/lookup', async (request, reply) => {
    const { patient: typed } = formOf(lookupForm, request.body);
    return renderConsents(request, reply, typed, undefined, undefined);
  });

  app.post('/clinician/consents', async (request, reply) => {
    const form = formOf(recordForm, request.body);
    const purposes = [form.purpose].flat();
    const resource = {
      resourceType: 'Consent',
      status: 'active',
      scope: { coding: [{ code: 'treatment' }] },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: { reference: form.patient },
      dateTime: new Date().toISOString(),
      provision: { type: form.decision, purpose: purposes.map((code) => ({ system: ACT_REASON, code })) },
    };
    const outcome = await change(() =>
      userOf(request).api.post('/consents', resource, { verification: form.verification }),
    );
    return renderConsents(
      request,
      reply,
      form.patient,
      outcome.problem,
      outcome.problem ? undefined : 'Consent recorded.',
    );
  });

  app.post('/clinician/consents/:id/revoke', async (request, reply) => {
    const { id } = formOf(idParam, request.params);
    const form = formOf(revokeForm, request.body);
    const outcome = await change(() =>
      userOf(request).api.post(
        `/consents/${id}/revoke`,
        {},
        { patient: form.patient, verification: form.verification },
      ),
    );
    return renderConsents(
      request,
      reply,
      form.patient,
      outcome.problem,
      outcome.problem ? undefined : 'Consent revoked: every gateway refuses what it allowed within a second.',
    );
  });

  app.post('/clinician/consents/why', async (request, reply) => {
    const form = formOf(whyForm, request.body);
    const decision = await attempt(() =>
      userOf(request).api.get<{
        decision: string;
        reason?: string;
        consentId?: string;
        provisionPath?: string;
      }>('/consents/decision', { patient: form.patient, purpose: form.purpose, model: form.model }),
    );
    return renderConsents(request, reply, form.patient, decision.problem, undefined, {
      ...form,
      ...decision.value,
    });
  });

  app.get('/clinician/models', async (request, reply) => {
    const user = userOf(request);
    const models = await attempt(() => user.api.get<ModelRow[]>('/models'));
    const { principal, ability } = user;
    const rows = (models.value ?? []).map((model) => {
      const deployed = model.versions.find((version) => version.status === 'deployed');
      const allowed =
        deployed !== undefined &&
        ability.can(
          'infer',
          modelSubject({
            name: model.name,
            departments: model.departments,
            riskClass: model.riskClass,
            status: 'deployed',
          }),
        );
      const reasons = allowed
        ? []
        : [
            ...(deployed ? [] : ['no version of it is deployed']),
            ...(model.departments.some((department) => principal.departments.includes(department))
              ? []
              : [
                  `it is made for ${model.departments.join(', ')}; you work in ${principal.departments.join(', ') || 'no department'}`,
                ]),
            ...(principal.trainings.includes(model.name) ? [] : ['you have not attested its training']),
          ];
      return {
        name: model.name,
        version: deployed?.version,
        allowed,
        reasons:
          reasons.length > 0 || allowed
            ? reasons
            : ['the access policy in force gives your role no rule for it'],
      };
    });
    return renderPage(request, reply, 'clinician/models.hbs', {
      title: 'Models I may use',
      models: rows,
      problem: models.problem,
    });
  });

  app.get('/clinician/feedback', async (request, reply) =>
    renderPage(request, reply, 'clinician/feedback.hbs', {
      title: 'Feedback on an output',
      verdicts: FEEDBACK_VERDICTS,
      reasons: FEEDBACK_REASONS,
    }),
  );

  app.post('/clinician/feedback', async (request, reply) => {
    const form = formOf(feedbackForm, request.body);
    const outcome = await change(() =>
      userOf(request).api.postTo(gatewayUrl, '/v2/feedback', {
        audit: { stream: form.stream, seq: form.seq, ...(form.hash ? { hash: form.hash } : {}) },
        verdict: form.verdict,
        reason: form.reason,
      }),
    );
    return renderPage(request, reply, 'clinician/feedback.hbs', {
      title: 'Feedback on an output',
      verdicts: FEEDBACK_VERDICTS,
      reasons: FEEDBACK_REASONS,
      problem: outcome.problem,
      recorded: outcome.problem ? undefined : form,
    });
  });
}

async function change(call: () => Promise<unknown>): Promise<{ problem?: ReadableProblem }> {
  try {
    await call();
    return {};
  } catch (error) {
    if (error instanceof ApiProblem) return { problem: readableProblem(error.problem) };
    throw error;
  }
}

async function renderConsents(
  request: FastifyRequest,
  reply: Parameters<typeof renderPage>[1],
  typed: string | undefined,
  problem: ReadableProblem | undefined,
  success: string | undefined,
  why?: Record<string, unknown>,
) {
  const listed = typed
    ? await attempt(() =>
        userOf(request).api.get<{ entry: { resource: FhirConsent }[] }>('/consents', { patient: typed }),
      )
    : undefined;
  return renderPage(request, reply, 'clinician/consents.hbs', {
    title: 'Patient consents',
    patient: typed,
    consents: listed?.value?.entry.map(({ resource }) => ({
      id: resource.id,
      status: resource.status,
      isActive: resource.status === 'active',
      version: resource.meta?.versionId,
      dateTime: resource.dateTime,
      decision: resource.provision?.type,
      purposes: (resource.provision?.purpose ?? []).map((purpose) => purpose.code).join(', '),
    })),
    purposes: PURPOSES_OF_USE,
    verifications: VERIFICATION_METHODS,
    problem: problem ?? listed?.problem,
    success,
    why,
  });
}
