import { z } from 'zod';
import { ProblemError } from '@praesidium/problem';
import { performanceDetailsSchema } from '../pccp/change-control-plan.js';

const text = (max: number) => z.string().min(1).max(max);
const level = z.enum(['negligible', 'minor', 'serious', 'critical', 'catastrophic']);

/** ISO 14971 risk item: hazard → harm, with severity, probability, controls and residual risk. */
const riskItemSchema = z
  .object({
    hazard: text(2000),
    hazardousSituation: text(2000).optional(),
    harm: text(2000),
    severity: level,
    probability: z.enum(['improbable', 'remote', 'occasional', 'probable', 'frequent']),
    controls: z.array(text(2000)).min(1).max(50),
    residualRisk: z.enum(['acceptable', 'acceptable-with-benefit', 'unacceptable']),
  })
  .strict();

/** Every evidence kind with the details it must carry (validated before anything is stored). */
export const EVIDENCE_DETAILS = {
  performance: performanceDetailsSchema,
  validation_report: z.object({ summary: text(8000).optional() }).strict(),
  test_report: z.object({ summary: text(8000).optional() }).strict(),
  /** Seam for the bias reports of libs/fairness: `reportId` will link the computed report. */
  bias_report: z.object({ reportId: text(200).optional(), summary: text(8000).optional() }).strict(),
  study_reference: z.object({ citation: text(2000), url: z.url().optional() }).strict(),
  risk_item: riskItemSchema,
  data_quality: z.object({ datasetId: z.uuid() }).strict(),
  other: z.object({ summary: text(8000).optional() }).strict(),
} as const;
export type EvidenceKind = keyof typeof EVIDENCE_DETAILS;
export const EVIDENCE_KINDS = Object.keys(EVIDENCE_DETAILS) as [EvidenceKind, ...EvidenceKind[]];

export function parseEvidenceDetails(kind: EvidenceKind, details: unknown): Record<string, unknown> {
  const parsed = EVIDENCE_DETAILS[kind].safeParse(details ?? {});
  if (parsed.success) return parsed.data;
  throw new ProblemError(
    'evidence.details_invalid',
    `details of ${kind} evidence`,
    parsed.error.issues.map((issue) => ({
      path: `/details/${issue.path.join('/')}`,
      message: issue.message,
    })),
  );
}
