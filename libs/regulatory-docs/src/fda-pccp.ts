import {
  assessAgainstPlan,
  changeControlPlanSchema,
  type ChangeControlPlan,
  type MetricResult,
} from '@praesidium/model-registry';
import {
  fact,
  missing,
  statement,
  type Citation,
  type DocumentItem,
  type DocumentSection,
  type RegulatoryDocument,
} from './document-model.js';
import type { RegistrySnapshot } from './snapshot.js';

const GUIDANCE = 'FDA PCCP for AI-enabled device software functions final guidance (Dec 2024)';
/** The guidance's component, by name (the research notes give no verified section numbers). */
const clause = (component: string) => `${GUIDANCE}: ${component}`;

type Plan = NonNullable<RegistrySnapshot['changeControlPlan']>;
const planField = (plan: Plan, field: string): Citation => ({
  record: 'registry.change_control_plan',
  id: plan.id,
  field,
  sha256: plan.sha256,
});

const NO_PLAN = 'a predetermined change control plan (PUT the model’s change-control plan in the registry)';

function sections(
  id: string,
  title: string,
  section: string,
  build: (plan: Plan, parsed: ChangeControlPlan) => DocumentItem[],
  s: RegistrySnapshot,
): DocumentSection {
  const plan = s.changeControlPlan;
  const parsed = plan ? changeControlPlanSchema.safeParse(plan.plan) : undefined;
  const items =
    plan && parsed?.success ? build(plan, parsed.data) : [missing(title, clause(section), NO_PLAN)];
  return { id, title, clause: clause(section), items };
}

function criteria(criteria: ChangeControlPlan['modifications'][number]['acceptanceCriteria']): string {
  return criteria
    .map((c) =>
      [
        `${c.metric} [${c.subgroup}]`,
        c.minimum !== undefined ? `≥ ${c.minimum}` : '',
        c.maximum !== undefined ? `≤ ${c.maximum}` : '',
        c.onConfidenceBound ? '(on the confidence bound)' : '',
      ]
        .filter(Boolean)
        .join(' '),
    )
    .join('; ');
}

function traceability(s: RegistrySnapshot, plan: Plan, parsed: ChangeControlPlan): DocumentItem[] {
  const declared = s.version.pccpModifications;
  const evidence = s.evidence
    .filter((e) => e.kind === 'performance')
    .map((e) => ({ evidenceId: e.id, metrics: (e.details['metrics'] ?? []) as MetricResult[] }));
  const assessment = assessAgainstPlan(parsed, declared, evidence);
  const items: DocumentItem[] = parsed.modifications.map((m) =>
    statement(
      `${m.id} → protocol`,
      `${m.type}: data management, re-training, performance evaluation and update procedure of the modification protocol; acceptance criteria ${criteria(m.acceptanceCriteria)}.`,
      [planField(plan, `modifications[${m.id}]`), planField(plan, 'protocol')],
    ),
  );
  if (!declared.length)
    items.push(
      statement(
        `Version ${s.version.version}`,
        'This version is declared under no modification of the plan.',
        [
          {
            record: 'registry.model_version',
            id: s.version.id,
            field: 'pccp_modifications',
            sha256: s.version.manifestSha256,
          },
        ],
      ),
    );
  for (const row of assessment.traceability) {
    if (!row.known) {
      items.push(
        missing(
          `${row.modificationId} (declared by ${s.version.version})`,
          clause('Modification Protocol, traceability table'),
          `modification ${row.modificationId} in the plan, or remove it from the version`,
        ),
      );
      continue;
    }
    if (!row.evidenceIds.length) {
      items.push(
        missing(
          `${row.modificationId} → evidence`,
          clause('Modification Protocol, traceability table'),
          `performance evidence of version ${s.version.version} for the acceptance criteria of ${row.modificationId}`,
        ),
      );
      continue;
    }
    const checks = assessment.checks.filter((check) => check.modificationId === row.modificationId);
    items.push(
      statement(
        `${row.modificationId} → evidence (version ${s.version.version})`,
        `${row.passed ? 'Meets' : 'Does not meet'} its acceptance criteria: ${checks
          .map(
            (c) =>
              `${c.metric} [${c.subgroup}] observed ${c.observed ?? 'none'} (${c.passed ? 'pass' : 'fail'})`,
          )
          .join('; ')}.`,
        row.evidenceIds.map((id) => {
          const record = s.evidence.find((e) => e.id === id);
          return {
            record: 'registry.evidence',
            id,
            field: 'details.metrics',
            ...(record ? { sha256: record.sha256 } : {}),
          };
        }),
      ),
    );
  }
  return items;
}

/** FDA's predetermined change control plan, from the registry's plan of the model. */
export function buildFdaPccp(s: RegistrySnapshot): RegulatoryDocument {
  return {
    kind: 'fda-pccp',
    title: `Predetermined change control plan: ${s.model.displayName}`,
    model: s.model.name,
    version: s.version.version,
    sections: [
      sections(
        'pccp-modifications',
        'Description of Modifications',
        'Description of Modifications',
        (plan, parsed) =>
          parsed.modifications.map((m) =>
            statement(
              `${m.id} (${m.type})`,
              `${m.description} Bounds: ${m.bounds}. Implementation: ${m.implementation}; scope: ${m.scope}.`,
              [planField(plan, `modifications[${m.id}]`)],
            ),
          ),
        s,
      ),
      sections(
        'pccp-protocol',
        'Modification Protocol',
        'Modification Protocol',
        (plan, parsed) => {
          const need = (toAdd: string) => ({ requiredBy: clause('Modification Protocol'), toAdd });
          return [
            fact(
              'Data management practices',
              parsed.protocol.dataManagement,
              planField(plan, 'protocol.dataManagement'),
              need('protocol.dataManagement'),
            ),
            fact(
              'Re-training practices',
              parsed.protocol.retraining,
              planField(plan, 'protocol.retraining'),
              need('protocol.retraining'),
            ),
            fact(
              'Performance evaluation',
              parsed.protocol.performanceEvaluation,
              planField(plan, 'protocol.performanceEvaluation'),
              need('protocol.performanceEvaluation'),
            ),
            fact(
              'Update procedures',
              parsed.protocol.updateProcedure,
              planField(plan, 'protocol.updateProcedure'),
              need('protocol.updateProcedure'),
            ),
          ];
        },
        s,
      ),
      sections(
        'pccp-impact',
        'Impact Assessment',
        'Impact Assessment',
        (plan, parsed) => [
          fact('Impact assessment', parsed.impactAssessment, planField(plan, 'impactAssessment'), {
            requiredBy: clause('Impact Assessment'),
            toAdd: 'impactAssessment',
          }),
        ],
        s,
      ),
      sections(
        'pccp-traceability',
        'Traceability',
        'Modification Protocol, traceability table',
        (plan, parsed) => traceability(s, plan, parsed),
        s,
      ),
    ],
  };
}
