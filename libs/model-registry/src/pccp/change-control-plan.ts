import { z } from 'zod';

const text = (max: number) => z.string().min(1).max(max);

/** One performance result of an evaluation (`performance` evidence details). */
export const metricResultSchema = z
  .object({
    metric: text(100),
    /** `overall`, or a subgroup such as `sex=female` or `age=65+`. */
    subgroup: text(200).default('overall'),
    value: z.number(),
    ciLower: z.number().optional(),
    ciUpper: z.number().optional(),
  })
  .strict();
export type MetricResult = z.infer<typeof metricResultSchema>;

export const performanceDetailsSchema = z
  .object({ metrics: z.array(metricResultSchema).min(1).max(500) })
  .strict();

const acceptanceCriterionSchema = z
  .object({
    metric: text(100),
    subgroup: text(200).default('overall'),
    minimum: z.number().optional(),
    maximum: z.number().optional(),
    /** Judge on the confidence bound that is least favourable (lower for a minimum, upper for a maximum). */
    onConfidenceBound: z.boolean().default(false),
  })
  .strict()
  .refine((criterion) => criterion.minimum !== undefined || criterion.maximum !== undefined, {
    message: 'a criterion has a minimum, a maximum or both',
  });

/** An FDA predetermined change control plan: planned modifications, protocol, impact assessment. */
export const changeControlPlanSchema = z
  .object({
    modifications: z
      .array(
        z
          .object({
            id: z.string().regex(/^[A-Za-z0-9._-]{1,50}$/),
            type: text(100),
            description: text(4000),
            bounds: text(4000),
            implementation: z.enum(['automatic', 'manual']),
            scope: z.enum(['global', 'local']),
            acceptanceCriteria: z.array(acceptanceCriterionSchema).min(1).max(100),
          })
          .strict(),
      )
      .min(1)
      .max(50),
    protocol: z
      .object({
        dataManagement: text(8000),
        retraining: text(8000),
        performanceEvaluation: text(8000),
        updateProcedure: text(8000),
      })
      .strict(),
    impactAssessment: text(8000),
  })
  .strict();
export type ChangeControlPlan = z.infer<typeof changeControlPlanSchema>;

export interface PerformanceEvidence {
  readonly evidenceId: string;
  readonly metrics: readonly MetricResult[];
}

export interface CriterionCheck {
  readonly modificationId: string;
  readonly metric: string;
  readonly subgroup: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly observed?: number;
  readonly evidenceId?: string;
  readonly passed: boolean;
}

export interface PccpAssessment {
  readonly accepted: boolean;
  readonly checks: readonly CriterionCheck[];
  /** From each declared modification to the evidence that judged it. */
  readonly traceability: readonly {
    modificationId: string;
    known: boolean;
    evidenceIds: string[];
    passed: boolean;
  }[];
}

/**
 * Checks a version declared under the plan against the acceptance criteria of each modification it
 * declares, on its performance evidence. A criterion without a result fails (missing is never pass).
 */
export function assessAgainstPlan(
  plan: ChangeControlPlan,
  declared: readonly string[],
  evidence: readonly PerformanceEvidence[],
): PccpAssessment {
  const checks: CriterionCheck[] = [];
  const traceability = declared.map((modificationId) => {
    const modification = plan.modifications.find((candidate) => candidate.id === modificationId);
    if (!modification) return { modificationId, known: false, evidenceIds: [], passed: false };
    const own = modification.acceptanceCriteria.map((criterion) =>
      checkCriterion(modificationId, criterion, evidence),
    );
    checks.push(...own);
    const evidenceIds = [...new Set(own.flatMap((check) => (check.evidenceId ? [check.evidenceId] : [])))];
    return { modificationId, known: true, evidenceIds, passed: own.every((check) => check.passed) };
  });
  const accepted = declared.length > 0 && traceability.every((row) => row.passed);
  return { accepted, checks, traceability };
}

function checkCriterion(
  modificationId: string,
  criterion: z.infer<typeof acceptanceCriterionSchema>,
  evidence: readonly PerformanceEvidence[],
): CriterionCheck {
  const base = {
    modificationId,
    metric: criterion.metric,
    subgroup: criterion.subgroup,
    minimum: criterion.minimum,
    maximum: criterion.maximum,
  };
  for (const item of [...evidence].reverse()) {
    const result = item.metrics.find(
      (candidate) => candidate.metric === criterion.metric && candidate.subgroup === criterion.subgroup,
    );
    if (!result) continue;
    const low = criterion.onConfidenceBound ? (result.ciLower ?? result.value) : result.value;
    const high = criterion.onConfidenceBound ? (result.ciUpper ?? result.value) : result.value;
    const passed =
      (criterion.minimum === undefined || low >= criterion.minimum) &&
      (criterion.maximum === undefined || high <= criterion.maximum);
    return { ...base, observed: result.value, evidenceId: item.evidenceId, passed };
  }
  return { ...base, passed: false };
}
