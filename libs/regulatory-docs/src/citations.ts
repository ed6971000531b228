import type { MetricResult, ModelProfile } from '@praesidium/model-registry';
import { fact, missing, statement, type Citation, type DocumentItem } from './document-model.js';
import type { RegistrySnapshot } from './snapshot.js';

/** Citations of registry records, and the small formatting helpers every document shares. */
type Snapshot = RegistrySnapshot;
type Evidence = Snapshot['evidence'][number];
type Dataset = Snapshot['datasets'][number];

export const modelField = (s: Snapshot, field: string): Citation => ({
  record: 'registry.model',
  id: s.model.id,
  field,
});
export const versionField = (s: Snapshot, field: string): Citation => ({
  record: 'registry.model_version',
  id: s.version.id,
  field,
  sha256: s.version.manifestSha256,
});
export const evidenceCitation = (e: Evidence, field = 'details'): Citation => ({
  record: 'registry.evidence',
  id: e.id,
  field,
  sha256: e.sha256,
});
export const datasetCitation = (d: Dataset, field: string): Citation => ({
  record: 'registry.dataset',
  id: d.id,
  field,
  sha256: d.contentSha256,
});

export const list = (values: readonly string[] | undefined) =>
  values?.length ? values.join('; ') : undefined;

/**
 * A statement of the model's profile field, cited to it; when the field is blank, a Missing item
 * that names the clause requiring it and the field to fill in.
 */
export function profileFact(
  s: Snapshot,
  label: string,
  field: keyof ModelProfile,
  requiredBy: string,
): DocumentItem {
  const value = s.model.profile[field];
  return fact(label, Array.isArray(value) ? list(value) : value, modelField(s, `profile.${field}`), {
    requiredBy,
    toAdd: `profile.${field}`,
  });
}
export const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
export const shares = (value: unknown) =>
  value && typeof value === 'object'
    ? Object.entries(value as Record<string, unknown>)
        .map(([group, share]) => `${group} ${Math.round(Number(share) * 1000) / 10}%`)
        .join(', ')
    : undefined;

/**
 * The registry has no evidence kind for UI screens or a threat model yet: they are `other` evidence
 * whose title starts with these words (documented in docs/regulatory/README.md).
 */
export const TITLED_EVIDENCE = {
  userInterface: 'user interface',
  threatModel: 'threat model',
  udi: 'basic udi-di',
  clinicalEvaluation: 'clinical evaluation',
  pmcfPlan: 'pmcf plan',
  declarationOfConformity: 'declaration of conformity',
  vigilance: 'vigilance procedure',
} as const;

export function ofKind(s: Snapshot, kind: string, titlePrefix?: string): Evidence[] {
  return s.evidence.filter(
    (e) => e.kind === kind && (!titlePrefix || e.title.toLowerCase().startsWith(titlePrefix)),
  );
}

/** One statement per evidence record of a kind, or the gap when there is none. */
export function evidenceItems(
  s: Snapshot,
  kind: string,
  label: string,
  describe: (e: Evidence) => string,
  gap: { requiredBy: string; toAdd: string },
  titlePrefix?: string,
): DocumentItem[] {
  const records = ofKind(s, kind, titlePrefix);
  if (!records.length) return [missing(label, gap.requiredBy, gap.toAdd)];
  return records.map((e) => statement(label, describe(e), [evidenceCitation(e)]));
}

export const planCitation = (s: Snapshot, field = 'plan'): Citation | undefined =>
  s.changeControlPlan
    ? {
        record: 'registry.change_control_plan',
        id: s.changeControlPlan.id,
        field,
        sha256: s.changeControlPlan.sha256,
      }
    : undefined;

/** Performance details were validated against the registry's schema when they were stored. */
export function formatMetric(metric: MetricResult): string {
  const ci =
    metric.ciLower !== undefined && metric.ciUpper !== undefined
      ? ` (95% CI ${metric.ciLower}–${metric.ciUpper})`
      : ' (no confidence interval)';
  return `${metric.metric} [${metric.subgroup ?? 'overall'}] = ${metric.value}${ci}`;
}

/** Every performance result of the version, with the evidence record it comes from. */
export function metricsOf(s: Snapshot): { e: Evidence; m: MetricResult }[] {
  return ofKind(s, 'performance').flatMap((e) =>
    ((e.details['metrics'] ?? []) as MetricResult[]).map((m) => ({ e, m })),
  );
}

/** A statement citing one titled `other` evidence record, or the gap naming the title to use. */
export function titledEvidence(
  s: Snapshot,
  titlePrefix: string,
  label: string,
  requiredBy: string,
  what: string,
): DocumentItem[] {
  return evidenceItems(
    s,
    'other',
    label,
    (e) => `${e.title}${text(e.details['summary']) ? `: ${text(e.details['summary'])}` : ''}`,
    { requiredBy, toAdd: `${what} (an \`other\` evidence file titled "${titlePrefix} …")` },
    titlePrefix,
  );
}
