import { z } from 'zod';
import {
  changeControlPlanSchema,
  datasheetSchema,
  declaredFloorProblems,
  EVIDENCE_KINDS,
  FEEDBACK_METRICS,
  LIFECYCLE_ACTIONS,
  MAX_DECLARED_FEEDBACK_FLOORS,
  metricResultSchema,
  modelClassificationSchema,
  modelProfileSchema,
  qualitySpecSchema,
  SIGNATURE_MEANINGS,
  versionContentSchema,
} from '@praesidium/model-registry';

const text = (max: number) => z.string().trim().min(1).max(max);

export const modelNameParam = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,127}$/);
export const versionParam = z.string().min(1).max(100);

export const newModelBody = z
  .object({
    name: modelNameParam,
    displayName: text(200),
    intendedUse: text(4000),
    limitations: text(4000),
    departments: z.array(text(100)).min(1).max(50),
    riskClass: text(200),
    profile: modelProfileSchema,
    classification: modelClassificationSchema,
  })
  .strict();

export const versionBody = z
  .object({
    content: versionContentSchema,
    backendUrl: z.url({ protocol: /^https?$/ }),
    pccpModifications: z.array(z.string().min(1).max(50)).max(50).default([]),
  })
  .strict();

export const transitionBody = z.object({ action: z.enum(LIFECYCLE_ACTIONS), reason: text(2000) }).strict();

export const signatureBody = z
  .object({
    role: z.enum(['ethics-board', 'regulatory-affairs', 'model-owner']),
    meaning: z.enum(SIGNATURE_MEANINGS),
    recordSha256: z.string().regex(/^[0-9a-f]{64}$/),
    pin: z.string().min(1).max(200),
    printedName: text(200).optional(),
  })
  .strict();

export const signingPinBody = z
  .object({ pin: z.string().min(8).max(200), currentPin: z.string().min(1).max(200).optional() })
  .strict();

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export const evidenceBody = z
  .object({
    kind: z.enum(EVIDENCE_KINDS),
    title: text(500),
    details: z.record(z.string(), z.unknown()).optional(),
    file: z
      .object({
        fileName: z.string().min(1).max(255),
        mediaType: z.string().min(1).max(100),
        contentBase64: z.string().min(1).regex(BASE64, 'base64 (RFC 4648 section 4)'),
      })
      .strict()
      .optional(),
  })
  .strict();

export const planBody = changeControlPlanSchema;

const samples = z.record(z.string().min(1).max(100), z.array(z.number()).min(1).max(100_000));
export const driftBody = z
  .object({
    baseline: samples,
    current: samples,
    thresholds: z
      .object({ warn: z.number().positive(), alert: z.number().positive() })
      .strict()
      .refine((value) => value.warn <= value.alert, { message: 'warn is at most alert' })
      .default({ warn: 0.1, alert: 0.25 }),
    period: z.string().max(100).optional(),
  })
  .strict();

export const diffQuery = z.object({ against: versionParam }).strict();

const cell = z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]);
export const datasetBody = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/),
    splitRole: z.enum(['training', 'tuning', 'test']),
    datasheet: datasheetSchema,
    rows: z
      .array(z.record(z.string().max(100), cell))
      .min(1)
      .max(50_000)
      .optional(),
    contentSha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    qualitySpec: qualitySpecSchema.default({ ranges: {}, intendedPopulation: {}, representationRatio: 0.8 }),
  })
  .strict()
  .refine((body) => (body.rows === undefined) !== (body.contentSha256 === undefined), {
    message: 'give either rows (for a data-quality report) or the contentSha256 of a file held elsewhere',
  });

const period = {
  periodStart: z.iso.datetime({ offset: true }),
  periodEnd: z.iso.datetime({ offset: true }),
};
const periodInOrder = [
  (body: { periodStart: string; periodEnd: string }) =>
    Date.parse(body.periodStart) < Date.parse(body.periodEnd),
  { message: 'periodStart is before periodEnd' },
] as const;
const floorList = z
  .array(
    z.object({ metric: text(100), subgroup: text(200).default('overall'), minimum: z.number() }).strict(),
  )
  .max(200);
const floors = floorList.default([]);

export const performanceBody = z
  .object({
    ...period,
    // Not 'clinician-feedback': that source marks figures computed from the audit trail, not handed in.
    source: z.enum(['gateway-feedback', 'outcome-follow-up', 'audit-sample', 'registry-study']),
    metrics: z.array(metricResultSchema).min(1).max(500),
    floors,
  })
  .strict()
  .refine(...periodInOrder);

/** The period of a feedback summary: [periodStart, periodEnd). */
export const feedbackPeriodQuery = z
  .object(period)
  .strict()
  .refine(...periodInOrder);

export const feedbackObservationBody = z
  .object({
    ...period,
    /**
     * Floors are minimums, so a ceiling on overrides is a floor on the acceptance rate (1 − override
     * rate). Left out: the version's declared floors (none if it declared none).
     */
    floors: floorList
      .refine((given) => given.every((floor) => floor.metric !== FEEDBACK_METRICS.overrideRate), {
        message: `floors are minimums: bound overrides with a floor on ${FEEDBACK_METRICS.acceptanceRate}`,
      })
      .optional()
      .describe('the floors to check; left out, the version’s declared floors (GET …/feedback-floors)'),
  })
  .strict()
  .refine(...periodInOrder);

/** A version's declared feedback floors, replacing the revision in force (empty: withdrawn). */
export const feedbackFloorsBody = z
  .object({
    floors: floorList.max(MAX_DECLARED_FEEDBACK_FLOORS).superRefine((given, context) => {
      for (const problem of declaredFloorProblems(given))
        context.addIssue({ code: 'custom', path: [problem.index], message: problem.message });
    }),
    reason: text(2000),
  })
  .strict();

export const modelDescriptionBody = newModelBody.omit({ name: true, displayName: true });

/** A canary's share in whole percent; the range (1–50) is the registry's rule (`canary.share_invalid`). */
const sharePercent = z.number().int().describe('whole percent of unpinned calls, 1 to 50');

/** The sites and departments whose clinicians' calls the canary may serve; omitted or empty: all. */
const canaryScopeList = z
  .array(text(100))
  .max(50)
  .refine((items) => new Set(items).size === items.length, 'each entry once')
  .default([]);
const canaryScope = z
  .object({ sites: canaryScopeList, departments: canaryScopeList })
  .strict()
  .default({ sites: [], departments: [] });
export const canaryStartBody = z
  .object({ version: versionParam, sharePercent, scope: canaryScope, reason: text(2000) })
  .strict();
export const canaryShareBody = z.object({ sharePercent, reason: text(2000) }).strict();
export const canaryReasonBody = z.object({ reason: text(2000) }).strict();
