import {
  datasetCitation,
  evidenceCitation,
  evidenceItems,
  formatMetric,
  list,
  metricsOf,
  modelField,
  planCitation,
  shares,
  text,
  titledEvidence,
  TITLED_EVIDENCE,
  versionField,
  profileFact,
} from './citations.js';
import {
  fact,
  missing,
  statement,
  type DocumentItem,
  type DocumentSection,
  type RegulatoryDocument,
} from './document-model.js';
import { lifecycleRecord } from './eu-mdr.js';
import { aiThreatStatements, PLATFORM } from './platform.js';
import { performanceRecordText } from './performance-record.js';
import type { RegistrySnapshot } from './snapshot.js';

type Snapshot = RegistrySnapshot;

const ACT = 'Regulation (EU) 2024/1689 (AI Act)';
const annexIV = (point: string) => `${ACT} Annex IV point ${point}`;
const article = (number: string) => `${ACT} Art. ${number}`;

const describe = (e: Snapshot['evidence'][number]) =>
  `${e.title}${text(e.details['summary']) ? `: ${text(e.details['summary'])}` : ''}`;

function general(s: Snapshot): DocumentSection {
  const ai = s.model.classification.euAiAct;
  const need = (point: string, toAdd: string) => ({ requiredBy: annexIV(point), toAdd });
  return {
    id: 'ai-general',
    title: '1. General description of the AI system',
    clause: annexIV('1'),
    items: [
      fact(
        'High-risk classification',
        ai ? `${ai.category}: ${ai.rationale}` : undefined,
        modelField(s, 'classification.euAiAct'),
        { requiredBy: `${article('6(1)')}, Annex I Section A`, toAdd: 'classification.euAiAct' },
      ),
      statement(
        'Single technical documentation',
        'The AI system is (a safety component of) a medical device under Regulation (EU) 2017/745: per Art. 11(2) of the AI Act this Annex IV content is part of the single set of technical documentation kept with the MDR Annex II file (document kind `eu-mdr-annex-ii` of this bundle), not a separate file.',
        [modelField(s, 'classification.euMdr')],
      ),
      fact(
        'Intended purpose',
        s.model.intendedUse,
        modelField(s, 'intended_use'),
        need('1(a)', 'the intended use'),
      ),
      profileFact(s, 'Provider', 'manufacturer', annexIV('1(a)')),
      statement(
        'Version and relation to previous versions',
        `${s.version.version} (manifest SHA-256 ${s.version.manifestSha256}); versions on record: ${s.history.map((v) => `${v.version} (${v.status})`).join(', ')}.`,
        [versionField(s, 'version')],
      ),
      statement(
        'Interaction with other systems; forms placed on the market',
        'Provided as an HTTP inference service behind the Praesidium gateway (Open Inference Protocol v2 and OpenAI-compatible APIs); clinical applications call it with the patient reference and purpose of use, which the gateway removes before the model sees the request.',
        PLATFORM.gatewayControls.citations,
      ),
      profileFact(s, 'Inputs', 'inputs', annexIV('1(b)')),
      profileFact(s, 'Outputs', 'outputs', annexIV('1(g)')),
      statement(
        'Instructions for use for the deployer',
        'The model card of this bundle (document kind `model-card`) is the instructions-for-use content.',
        [modelField(s, 'profile')],
      ),
    ],
  };
}

function development(s: Snapshot): DocumentSection {
  const m = s.version.manifest;
  const t = m.training;
  const need = (point: string, toAdd: string) => ({ requiredBy: annexIV(point), toAdd });
  const metrics = metricsOf(s);
  return {
    id: 'ai-development',
    title: '2. Detailed description of the elements of the AI system and of the process for its development',
    clause: annexIV('2'),
    items: [
      fact(
        'Methods and steps of development',
        t?.description && t.paradigm ? `${t.paradigm}: ${t.description}` : undefined,
        versionField(s, 'manifest.training'),
        need('2(a)', 'manifest.training.paradigm and description'),
      ),
      statement(
        'Pre-trained systems and third-party tools',
        list(t?.pretrainedComponents) ?? 'None declared.',
        [versionField(s, 'manifest.training.pretrainedComponents')],
      ),
      fact(
        'Design specifications and key choices',
        m.architecture
          ? `${m.architecture}; operating points: ${(m.operatingPoints ?? []).map((o) => `${o.name} (threshold ${o.threshold}): ${o.rationale}`).join('; ') || 'none'}.`
          : undefined,
        versionField(s, 'manifest.architecture'),
        need('2(b)', 'manifest.architecture and manifest.operatingPoints'),
      ),
      fact(
        'System architecture',
        m.artifact
          ? `Model artifact ${m.artifact.uri} (SHA-256 ${m.artifact.sha256}), served through the gateway.`
          : undefined,
        versionField(s, 'manifest.artifact'),
        need('2(c)', 'manifest.artifact'),
      ),
      statement('Data requirements (datasheets)', 'See Article 10 below.', [
        ...s.datasets.map((d) => datasetCitation(d, 'datasheet')),
      ]),
      statement('Human oversight measures', 'See Article 14 below.', PLATFORM.oversight.citations),
      (() => {
        const plan = planCitation(s);
        return plan
          ? statement(
              'Pre-determined changes',
              'Planned modifications, their protocol and acceptance criteria are the change control plan (document kind `fda-pccp`).',
              [plan],
            )
          : missing('Pre-determined changes', annexIV('2(f)'), 'a predetermined change control plan');
      })(),
      metrics.length
        ? statement(
            'Validation and testing',
            metrics.map(({ m: metric }) => formatMetric(metric)).join('; '),
            [...new Set(metrics.map(({ e }) => e))].map((e) => evidenceCitation(e, 'details.metrics')),
          )
        : missing('Validation and testing', annexIV('2(g)'), 'performance evidence'),
      lifecycleRecord(s, `${annexIV('2(g)')} (test reports dated and signed by the responsible persons)`),
      statement('Cybersecurity measures', 'See Article 15 below.', PLATFORM.gatewayControls.citations),
    ],
  };
}

function monitoringFunctioning(s: Snapshot): DocumentSection {
  const metrics = metricsOf(s);
  const subgroups = metrics.filter(({ m }) => (m.subgroup ?? 'overall') !== 'overall');
  return {
    id: 'ai-monitoring-functioning',
    title: '3. Monitoring, functioning and control of the AI system',
    clause: annexIV('3'),
    items: [
      fact('Capabilities and limitations', s.model.limitations, modelField(s, 'limitations'), {
        requiredBy: annexIV('3'),
        toAdd: 'model limitations',
      }),
      subgroups.length
        ? statement(
            'Accuracy for specific persons or groups',
            subgroups.map(({ m }) => formatMetric(m)).join('; '),
            [...new Set(subgroups.map(({ e }) => e))].map((e) => evidenceCitation(e, 'details.metrics')),
          )
        : missing(
            'Accuracy for specific persons or groups',
            annexIV('3'),
            'performance results per subgroup',
          ),
      ...evidenceItems(
        s,
        'risk_item',
        'Foreseeable unintended outcomes',
        (e) => `${text(e.details['hazard'])} → ${text(e.details['harm'])}`,
        {
          requiredBy: annexIV('3'),
          toAdd: 'risk_item evidence',
        },
      ),
      fact('Input data specifications', s.model.profile.inputs, modelField(s, 'profile.inputs'), {
        requiredBy: annexIV('3'),
        toAdd: 'profile.inputs',
      }),
    ],
  };
}

function metricsAppropriateness(s: Snapshot): DocumentSection {
  const metrics = metricsOf(s);
  const names = [...new Set(metrics.map(({ m }) => m.metric))];
  const points = s.version.manifest.operatingPoints ?? [];
  return {
    id: 'ai-metrics',
    title: '4. Appropriateness of the performance metrics',
    clause: annexIV('4'),
    items: [
      names.length
        ? statement(
            'Metrics used',
            `${names.join(', ')}, each with a 95% confidence interval where reported, overall and per subgroup${
              points.length
                ? `; the operating point was chosen by ${points.map((p) => p.rationale).join('; ')}`
                : ''
            }.`,
            [...new Set(metrics.map(({ e }) => e))].map((e) => evidenceCitation(e, 'details.metrics')),
          )
        : missing('Metrics used', annexIV('4'), 'performance evidence'),
    ],
  };
}

function riskManagement(s: Snapshot): DocumentSection {
  return {
    id: 'ai-risk-management',
    title: '5. Risk management system',
    clause: `${annexIV('5')}, ${article('9')}`,
    items: evidenceItems(
      s,
      'risk_item',
      'Risk item',
      (e) =>
        `${text(e.details['hazard'])} → ${text(e.details['harm'])}; controls: ${
          Array.isArray(e.details['controls']) ? (e.details['controls'] as string[]).join('; ') : ''
        }; residual risk ${text(e.details['residualRisk'])}.`,
      { requiredBy: annexIV('5'), toAdd: 'risk_item evidence' },
    ),
  };
}

function changes(s: Snapshot): DocumentSection {
  return {
    id: 'ai-changes',
    title: '6. Changes made through the lifecycle',
    clause: annexIV('6'),
    items: [
      statement(
        'Versions',
        s.history
          .map((v) => `${v.version} (${v.status}, manifest ${v.manifestSha256.slice(0, 12)}…)`)
          .join('; '),
        s.history.map((v) => ({
          record: 'registry.model_version',
          id: v.id,
          field: 'status',
          sha256: v.manifestSha256,
        })),
      ),
      s.version.pccpModifications.length
        ? statement(
            'Changes under the change control plan',
            `This version implements ${s.version.pccpModifications.join(', ')}.`,
            [versionField(s, 'pccp_modifications')],
          )
        : statement('Changes under the change control plan', 'None declared for this version.', [
            versionField(s, 'pccp_modifications'),
          ]),
      lifecycleRecord(s, annexIV('6')),
    ],
  };
}

function standards(s: Snapshot): DocumentSection {
  const iec = s.model.classification.iec62304;
  return {
    id: 'ai-standards',
    title: '7. Harmonised standards and other specifications applied',
    clause: annexIV('7'),
    items: [
      fact(
        'Standards applied',
        iec
          ? `IEC 62304 (software safety class ${iec.safetyClass}); ISO 14971 (risk management file of risk items); CycloneDX 1.6 (SBOM); RFC 7515 JWS and RFC 9162 Merkle trees (audit trail and bundle signatures).`
          : undefined,
        modelField(s, 'classification.iec62304'),
        { requiredBy: annexIV('7'), toAdd: 'classification.iec62304' },
      ),
    ],
  };
}

function declaration(s: Snapshot): DocumentSection {
  return {
    id: 'ai-declaration',
    title: '8. EU declaration of conformity',
    clause: `${annexIV('8')}, ${article('47')}`,
    items: titledEvidence(
      s,
      TITLED_EVIDENCE.declarationOfConformity,
      'EU declaration of conformity',
      `${annexIV('8')}, ${article('47')}`,
      'a copy of the EU declaration of conformity',
    ),
  };
}

function postMarket(s: Snapshot): DocumentSection {
  const m = s.monitoring;
  return {
    id: 'ai-post-market',
    title: '9. Post-market monitoring system',
    clause: `${annexIV('9')}, ${article('72')}`,
    items: [
      m.driftChecks + m.performanceObservations > 0
        ? statement(
            'Post-market monitoring plan',
            `Input drift and performance per period are monitored against thresholds (the MDR Annex III plan of this bundle, kind \`eu-mdr-annex-iii\`): ${m.driftChecks} drift check(s), ${performanceRecordText(m)}, ${m.driftAlerts + m.performanceAlerts} alert(s) on record.`,
            [
              {
                record: 'registry.drift_check+performance_observation',
                id: s.version.id,
                field: 'version_id',
              },
            ],
          )
        : missing(
            'Post-market monitoring plan',
            annexIV('9'),
            'drift checks or performance observations of the version',
          ),
    ],
  };
}

function dataGovernance(s: Snapshot): DocumentSection {
  const items: DocumentItem[] = [];
  for (const role of ['training', 'test'])
    if (!s.datasets.some((d) => d.splitRole === role))
      items.push(missing(`${role} dataset`, article('10(2)'), `a ${role} dataset with its datasheet`));
  for (const d of s.datasets) {
    const sheet = d.datasheet;
    const annotation = (sheet['annotation'] ?? {}) as Record<string, unknown>;
    const demographics = (sheet['demographics'] ?? {}) as Record<string, unknown>;
    const at = (field: string) => datasetCitation(d, field);
    const need = (point: string, toAdd: string) => ({
      requiredBy: article(point),
      toAdd: `${toAdd} of dataset ${d.name}`,
    });
    items.push(
      fact(
        `${d.name}: origin of data`,
        text(sheet['provenance']),
        at('datasheet.provenance'),
        need('10(2)(b)', 'datasheet.provenance'),
      ),
      fact(
        `${d.name}: preparation (annotation, labelling)`,
        text(annotation['method']),
        at('datasheet.annotation.method'),
        need('10(2)(c)', 'datasheet.annotation.method'),
      ),
      fact(
        `${d.name}: what the labels measure`,
        text(annotation['referenceStandard']),
        at('datasheet.annotation.referenceStandard'),
        need('10(2)(d)', 'datasheet.annotation.referenceStandard'),
      ),
      d.qualityReport
        ? statement(
            `${d.name}: availability, quantity and suitability`,
            `${Number(d.qualityReport['rowCount'])} rows, ${Number(d.qualityReport['duplicateRows'])} duplicate rows; content SHA-256 ${d.contentSha256}.`,
            [at('quality_report')],
          )
        : missing(
            `${d.name}: availability, quantity and suitability`,
            article('10(2)(e)'),
            `a data-quality report for dataset ${d.name}`,
          ),
      fact(
        `${d.name}: representativeness`,
        shares(demographics['sex']) && shares(demographics['age'])
          ? `sex ${shares(demographics['sex'])}; age ${shares(demographics['age'])}; sites ${list(sheet['collectionSites'] as string[] | undefined) ?? 'not stated'}`
          : undefined,
        at('datasheet.demographics'),
        need('10(3)–(4)', 'datasheet.demographics (sex, age) and collectionSites'),
      ),
    );
  }
  items.push(
    ...evidenceItems(s, 'bias_report', 'Examination of possible biases', describe, {
      requiredBy: article('10(2)(f)–(g)'),
      toAdd: 'bias_report evidence (subgroup analysis)',
    }),
  );
  const gaps = s.datasets.flatMap((d) =>
    Array.isArray(d.qualityReport?.['representativeness'])
      ? (d.qualityReport['representativeness'] as unknown[])
      : [],
  );
  const reported = s.datasets.filter((d) => d.qualityReport);
  items.push(
    reported.length
      ? statement(
          'Data gaps and shortcomings',
          gaps.length
            ? `${gaps.length} representativeness finding(s) in the data-quality reports.`
            : 'The data-quality reports found no representativeness gap against the reference population.',
          reported.map((d) => datasetCitation(d, 'quality_report.representativeness')),
        )
      : missing('Data gaps and shortcomings', article('10(2)(h)'), 'data-quality reports of the datasets'),
  );
  return {
    id: 'ai-art10',
    title: 'Article 10: Data and data governance',
    clause: `${article('10')}; ${annexIV('2(d)')}`,
    items,
  };
}

function recordKeeping(s: Snapshot): DocumentSection {
  return {
    id: 'ai-art12',
    title: 'Article 12: Record-keeping (the audit trail)',
    clause: `${article('12')}; Art. 19, 26(6) (retention)`,
    items: [PLATFORM.auditTrail, PLATFORM.auditUse, lifecycleRecord(s, article('12'))],
  };
}

function transparency(s: Snapshot): DocumentSection {
  const metrics = metricsOf(s);
  const need = (point: string, toAdd: string) => ({ requiredBy: article(point), toAdd });
  return {
    id: 'ai-art13',
    title: 'Article 13: Transparency and provision of information to deployers',
    clause: article('13'),
    items: [
      profileFact(s, 'Provider identity', 'manufacturer', article('13(3)(a)')),
      fact(
        'Intended purpose',
        s.model.intendedUse,
        modelField(s, 'intended_use'),
        need('13(3)(b)(i)', 'the intended use'),
      ),
      metrics.length
        ? statement(
            'Level of accuracy and its metrics',
            metrics.map(({ m }) => formatMetric(m)).join('; '),
            [...new Set(metrics.map(({ e }) => e))].map((e) => evidenceCitation(e, 'details.metrics')),
          )
        : missing('Level of accuracy and its metrics', article('13(3)(b)(ii)'), 'performance evidence'),
      profileFact(s, 'Circumstances that may lead to risks', 'contraindications', article('13(3)(b)(iii)')),
      profileFact(s, 'Interpreting the output', 'outputs', article('13(3)(b)(vii)')),
      PLATFORM.transparency,
      statement(
        'Logs',
        'See Article 12: the audit trail records every use and is searchable by the deployer.',
        PLATFORM.auditTrail.citations,
      ),
    ],
  };
}

function humanOversight(s: Snapshot): DocumentSection {
  return {
    id: 'ai-art14',
    title: 'Article 14: Human oversight',
    clause: article('14'),
    items: [
      profileFact(s, 'Degree of automation', 'automation', article('14')),
      profileFact(s, 'Clinical workflow', 'clinicalWorkflow', article('14')),
      profileFact(s, 'Persons assigned to oversight', 'intendedUsers', article('14')),
      PLATFORM.oversight,
    ],
  };
}

function robustness(s: Snapshot): DocumentSection {
  const metrics = metricsOf(s);
  const withCi = metrics.filter(({ m }) => m.ciLower !== undefined && m.ciUpper !== undefined);
  return {
    id: 'ai-art15',
    title: 'Article 15: Accuracy, robustness and cybersecurity',
    clause: article('15'),
    items: [
      withCi.length && withCi.length === metrics.length
        ? statement(
            'Declared accuracy',
            withCi.map(({ m }) => formatMetric(m)).join('; '),
            [...new Set(withCi.map(({ e }) => e))].map((e) => evidenceCitation(e, 'details.metrics')),
          )
        : missing(
            'Declared accuracy',
            article('15(3)'),
            'performance evidence with confidence intervals for every metric',
          ),
      s.monitoring.driftChecks + s.monitoring.performanceObservations > 0
        ? statement(
            'Robustness over the lifecycle',
            `Drift and performance are monitored after deployment (${s.monitoring.driftChecks} drift check(s), ${performanceRecordText(s.monitoring)}); the model does not learn in use, so no feedback loop feeds its outputs back into training.`,
            [
              {
                record: 'registry.drift_check+performance_observation',
                id: s.version.id,
                field: 'version_id',
              },
            ],
          )
        : missing(
            'Robustness over the lifecycle',
            article('15(4)'),
            'drift checks or performance observations',
          ),
      ...aiThreatStatements(),
      ...titledEvidence(
        s,
        TITLED_EVIDENCE.threatModel,
        'AI threat model',
        article('15(5)'),
        'a threat model covering data poisoning, model poisoning, adversarial examples and confidentiality attacks',
      ),
      ...evidenceItems(s, 'test_report', 'Security tests of the model interface', describe, {
        requiredBy: article('15(5)'),
        toAdd: 'test_report evidence',
      }),
    ],
  };
}

/** EU AI Act Annex IV technical documentation, points 1–9, with Articles 10, 12, 13, 14 and 15. */
export function buildAiActAnnexIV(s: Snapshot): RegulatoryDocument {
  const document: RegulatoryDocument = {
    kind: 'eu-ai-act-annex-iv',
    title: `EU AI Act technical documentation (Annex IV): ${s.model.displayName} ${s.version.version}`,
    model: s.model.name,
    version: s.version.version,
    sections: [
      general(s),
      development(s),
      monitoringFunctioning(s),
      metricsAppropriateness(s),
      riskManagement(s),
      changes(s),
      standards(s),
      declaration(s),
      postMarket(s),
      dataGovernance(s),
      recordKeeping(s),
      transparency(s),
      humanOversight(s),
      robustness(s),
    ],
  };
  return document;
}
