import type { PerformanceFloor } from '@praesidium/model-registry';
import {
  datasetCitation,
  evidenceCitation,
  evidenceItems,
  formatMetric,
  metricsOf,
  modelField,
  ofKind,
  planCitation,
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
  type Citation,
  type DocumentItem,
  type DocumentSection,
  type RegulatoryDocument,
} from './document-model.js';
import { PLATFORM } from './platform.js';
import { byRecording, performanceRecordText, type PerformancePeriod } from './performance-record.js';
import type { RegistrySnapshot } from './snapshot.js';

type Snapshot = RegistrySnapshot;

const MDR = 'Regulation (EU) 2017/745 (MDR)';
const annexII = (point: string) => `${MDR} Annex II §${point}`;
const annexIII = (point: string) => `${MDR} Annex III §${point}`;

/** MDR Annex VIII Rule 11, as the class the registry records is read against. */
export const RULE_11: Record<string, string> = {
  I: 'Rule 11: all other software is classified as class I.',
  IIa: 'Rule 11: software intended to provide information which is used to take decisions with diagnosis or therapeutic purposes is classified as class IIa (or software intended to monitor physiological processes).',
  IIb: 'Rule 11: class IIb where such decisions have an impact that may cause a serious deterioration of a person’s state of health or a surgical intervention (or monitoring of vital physiological parameters whose variations could result in immediate danger).',
  III: 'Rule 11: class III where such decisions have an impact that may cause death or an irreversible deterioration of a person’s state of health.',
  'not-a-device':
    'Not qualified as medical device software (MDR Art. 2(1); MDCG 2019-11): Rule 11 does not apply.',
};

function classification(s: Snapshot): DocumentItem[] {
  const mdr = s.model.classification.euMdr;
  const need = (toAdd: string) => ({ requiredBy: annexII('1.1(e)–(f)') + ', Annex VIII Rule 11', toAdd });
  if (!mdr)
    return [
      missing(
        'Risk class and Rule 11 rationale',
        need('').requiredBy,
        'classification.euMdr (rule11Class and rationale)',
      ),
    ];
  return [
    statement(
      'Qualification as a device',
      mdr.rule11Class === 'not-a-device'
        ? `Not a medical device: ${mdr.rationale}`
        : `Medical device software (MDR Art. 2(1)): ${s.model.intendedUse.trim()}`,
      [modelField(s, 'classification.euMdr'), modelField(s, 'intended_use')],
    ),
    statement(
      'Risk class and Rule 11 rationale',
      `Class ${mdr.rule11Class}. ${RULE_11[mdr.rule11Class] ?? ''} Rationale: ${mdr.rationale}`,
      [modelField(s, 'classification.euMdr.rule11Class'), modelField(s, 'classification.euMdr.rationale')],
    ),
  ];
}

function deviceDescription(s: Snapshot): DocumentSection {
  const p = s.model.profile;
  const m = s.version.manifest;
  const need = (point: string, toAdd: string) => ({ requiredBy: annexII(point), toAdd });
  return {
    id: 'mdr-device-description',
    title: '1. Device description and specification, including variants and accessories',
    clause: annexII('1'),
    items: [
      statement(
        'Product name and general description',
        `${s.model.displayName} (${s.model.name}), version ${s.version.version}, software as a medical device.`,
        [modelField(s, 'display_name'), versionField(s, 'version')],
      ),
      fact(
        'Intended purpose',
        s.model.intendedUse,
        modelField(s, 'intended_use'),
        need('1.1(a)', 'the intended use'),
      ),
      profileFact(s, 'Intended users', 'intendedUsers', annexII('1.1(a)')),
      ...titledEvidence(s, TITLED_EVIDENCE.udi, 'Basic UDI-DI', annexII('1.1(b)'), 'the Basic UDI-DI'),
      profileFact(s, 'Indications and patient population', 'indications', annexII('1.1(c)')),
      profileFact(s, 'Contraindications and warnings', 'contraindications', annexII('1.1(c)')),
      fact(
        'Principles of operation',
        m.architecture && p.inputs && p.outputs
          ? `${m.architecture}. Inputs: ${p.inputs}. Outputs: ${p.outputs}.`
          : undefined,
        versionField(s, 'manifest.architecture'),
        need('1.1(d)', 'manifest.architecture, profile.inputs and profile.outputs'),
      ),
      ...classification(s),
      fact(
        'Key functional elements (software)',
        m.artifact
          ? `Model artifact ${m.artifact.uri} (SHA-256 ${m.artifact.sha256}); operating points: ${(m.operatingPoints ?? []).map((o) => `${o.name} at ${o.threshold}`).join(', ') || 'none'}.`
          : undefined,
        versionField(s, 'manifest.artifact'),
        need('1.1(j)', 'manifest.artifact'),
      ),
      statement(
        'Previous generations of the device',
        s.history.length > 1
          ? s.history
              .filter((v) => v.id !== s.version.id)
              .map((v) => `${v.version} (${v.status})`)
              .join('; ')
          : 'This is the first version of the device on record.',
        s.history.map((v) => ({
          record: 'registry.model_version',
          id: v.id,
          field: 'version',
          sha256: v.manifestSha256,
        })),
      ),
    ],
  };
}

function information(s: Snapshot): DocumentSection {
  const need = (toAdd: string) => ({ requiredBy: annexII('2') + ', Annex I §23', toAdd });
  return {
    id: 'mdr-information',
    title: '2. Information to be supplied by the manufacturer',
    clause: annexII('2') + ' (Annex I §23 label and instructions for use)',
    items: [
      profileFact(s, 'Manufacturer', 'manufacturer', annexII('2') + ', Annex I §23'),
      fact('Limitations', s.model.limitations, modelField(s, 'limitations'), need('model limitations')),
      profileFact(s, 'Use environment', 'useEnvironment', annexII('2') + ', Annex I §23'),
      statement(
        'Instructions for use',
        'The model card of this bundle (document kind `model-card`, HTML and JSON) carries the instructions-for-use content the registry holds; the gateway returns intended use, limitations and a notice with every output.',
        [modelField(s, 'profile'), ...PLATFORM.transparency.citations],
      ),
    ],
  };
}

function design(s: Snapshot): DocumentSection {
  const t = s.version.manifest.training;
  const iec = s.model.classification.iec62304;
  const need = (toAdd: string) => ({ requiredBy: annexII('3'), toAdd });
  const training = s.datasets.filter((d) => d.splitRole !== 'test');
  return {
    id: 'mdr-design',
    title: '3. Design and manufacturing information',
    clause: annexII('3'),
    items: [
      fact(
        'Design and development',
        t?.description && t.paradigm ? `${t.paradigm}: ${t.description}` : undefined,
        versionField(s, 'manifest.training'),
        need('manifest.training.paradigm and description'),
      ),
      training.length
        ? statement(
            'Development data',
            training.map((d) => `${d.name} (${d.splitRole}, content SHA-256 ${d.contentSha256})`).join('; '),
            training.map((d) => datasetCitation(d, 'content_sha256')),
          )
        : missing('Development data', annexII('3'), 'a training dataset with its datasheet'),
      fact(
        'Software life cycle (IEC 62304)',
        iec ? `Software safety class ${iec.safetyClass}: ${iec.rationale}` : undefined,
        modelField(s, 'classification.iec62304'),
        need('classification.iec62304 (safety class and rationale)'),
      ),
      lifecycleRecord(s, annexII('3')),
    ],
  };
}

/** The version's lifecycle steps and approval signatures (who released it, on which record). */
function lifecycleRecord(s: Snapshot, requiredBy: string): DocumentItem {
  const steps = s.transitions ?? [];
  const signatures = s.signatures ?? [];
  if (!steps.length)
    return missing(
      'Release record',
      requiredBy,
      'the version’s lifecycle transitions (validate, submit, approve, deploy) in the registry',
    );
  const described = steps.map((step) => `${step.from} → ${step.to} (${step.at})`).join('; ');
  const signed = signatures
    .map((sig) => `${sig.meaning} by ${sig.printedName} (${sig.role}) at ${sig.signedAt}`)
    .join('; ');
  return statement('Release record', `${described}.${signed ? ` Signatures: ${signed}.` : ''}`, [
    ...steps.map((step) => ({
      record: 'registry.version_transition',
      id: step.id,
      field: 'to_status',
      sha256: step.recordSha256,
    })),
    ...signatures.map((sig) => ({
      record: 'registry.signature',
      id: sig.id,
      field: 'meaning',
      sha256: sig.signatureSha256,
    })),
  ]);
}

/** One GSPR line: applicable, how conformity is shown, and the controlled records that show it. */
function gspr(
  requirement: string,
  method: string,
  evidence: readonly Citation[],
  toAdd: string,
): DocumentItem {
  if (!evidence.length) return missing(`GSPR ${requirement}`, `${annexII('4')}, Annex I`, toAdd);
  return statement(`GSPR ${requirement}`, `Applicable. ${method}`, evidence);
}

function gsprChecklist(s: Snapshot): DocumentSection {
  const cite = (kind: string, prefix?: string) => ofKind(s, kind, prefix).map((e) => evidenceCitation(e));
  const risk = cite('risk_item');
  const performance = cite('performance');
  const validation = cite('validation_report');
  const tests = cite('test_report');
  const threat = cite('other', TITLED_EVIDENCE.threatModel);
  const iec = s.model.classification.iec62304 ? [modelField(s, 'classification.iec62304')] : [];
  return {
    id: 'mdr-gspr',
    title: '4. General safety and performance requirements',
    clause: `${annexII('4')} (Annex I checklist: the requirements the registry can evidence)`,
    items: [
      gspr(
        '1 (performance and safety, benefit-risk)',
        'Performance against the intended purpose is shown by the version’s performance evidence; benefits outweigh the residual risks recorded in the risk file.',
        [...performance, ...risk],
        'performance and risk_item evidence',
      ),
      gspr(
        '3 (risk management system)',
        'An ISO 14971 risk management file is kept per version as risk items (hazard, harm, severity, probability, controls, residual risk).',
        risk,
        'risk_item evidence',
      ),
      gspr(
        '8 (acceptability of residual risk)',
        `Residual risks: ${
          ofKind(s, 'risk_item')
            .map((e) => `${e.title}: ${text(e.details['residualRisk']) ?? 'not stated'}`)
            .join('; ') || 'none'
        }.`,
        risk,
        'risk_item evidence with residual risk',
      ),
      gspr(
        '17.1 (repeatability, reliability and performance of software)',
        'Software performance is validated on sequestered test data with confidence intervals and per subgroup.',
        [...performance, ...validation],
        'performance and validation_report evidence',
      ),
      gspr(
        '17.2 (software life cycle, risk management, information security, verification and validation)',
        'Developed and released under IEC 62304 with the registry’s lifecycle (evidence, bias sign-off, two signatures before approval); verified by the test reports.',
        [...iec, ...tests, ...validation],
        'classification.iec62304, test_report and validation_report evidence',
      ),
      gspr(
        '17.4 (minimum IT security requirements)',
        'Protection against unauthorised access and AI-specific threats by the platform controls (see the premarket cybersecurity document, kind `fda-cybersecurity`) and the version’s threat model and security tests.',
        [...threat, ...tests, ...PLATFORM.gatewayControls.citations],
        `a threat model (\`other\` evidence titled "${TITLED_EVIDENCE.threatModel} …") and test_report evidence`,
      ),
      gspr(
        '23 (label and instructions for use)',
        'Intended purpose, users, indications, contraindications, limitations and manufacturer are recorded and rendered in the model card.',
        s.model.profile.manufacturer && s.model.profile.contraindications
          ? [modelField(s, 'profile'), modelField(s, 'limitations')]
          : [],
        'profile.manufacturer and profile.contraindications',
      ),
    ],
  };
}

function benefitRisk(s: Snapshot): DocumentSection {
  return {
    id: 'mdr-benefit-risk',
    title: '5. Benefit-risk analysis and risk management',
    clause: annexII('5') + ' (Annex I §1, §3, §8)',
    items: evidenceItems(
      s,
      'risk_item',
      'Risk item',
      (e) => {
        const d = e.details;
        const controls = Array.isArray(d['controls']) ? (d['controls'] as string[]).join('; ') : '';
        return `Hazard: ${text(d['hazard'])}. Harm: ${text(d['harm'])}. Severity ${text(d['severity'])}, probability ${text(d['probability'])}. Controls: ${controls}. Residual risk: ${text(d['residualRisk'])}.`;
      },
      { requiredBy: annexII('5'), toAdd: 'risk_item evidence (hazard, harm, controls, residual risk)' },
    ),
  };
}

function verification(s: Snapshot): DocumentSection {
  const metrics = metricsOf(s);
  const describe = (e: RegistrySnapshot['evidence'][number]) =>
    `${e.title}${text(e.details['summary']) ? `: ${text(e.details['summary'])}` : ''}`;
  return {
    id: 'mdr-verification',
    title: '6. Product verification and validation',
    clause: annexII('6'),
    items: [
      metrics.length
        ? statement(
            'Results of tests',
            metrics.map(({ m }) => formatMetric(m)).join('; '),
            [...new Set(metrics.map(({ e }) => e))].map((e) => evidenceCitation(e, 'details.metrics')),
          )
        : missing('Results of tests', annexII('6.1(a)'), 'performance evidence'),
      ...evidenceItems(s, 'test_report', 'Software verification', describe, {
        requiredBy: annexII('6.1(b)'),
        toAdd: 'test_report evidence (software verification)',
      }),
      ...evidenceItems(s, 'validation_report', 'Software validation', describe, {
        requiredBy: annexII('6.1(b)'),
        toAdd: 'validation_report evidence',
      }),
      ...titledEvidence(
        s,
        TITLED_EVIDENCE.clinicalEvaluation,
        'Clinical evaluation',
        `${annexII('6.1(c)')}, Art. 61, Annex XIV Part A`,
        'the clinical evaluation plan and report',
      ),
      ...titledEvidence(
        s,
        TITLED_EVIDENCE.pmcfPlan,
        'PMCF plan',
        `${annexII('6.1(d)')}, Annex XIV Part B`,
        'the post-market clinical follow-up plan or its justification',
      ),
    ],
  };
}

/** EU MDR Annex II technical documentation of one model version. */
export function buildMdrAnnexII(s: Snapshot): RegulatoryDocument {
  return {
    kind: 'eu-mdr-annex-ii',
    title: `EU MDR technical documentation (Annex II): ${s.model.displayName} ${s.version.version}`,
    model: s.model.name,
    version: s.version.version,
    sections: [
      deviceDescription(s),
      information(s),
      design(s),
      gsprChecklist(s),
      benefitRisk(s),
      verification(s),
    ],
  };
}

// ---- Annex III: post-market surveillance ----

const monitoringCitations = (s: Snapshot): Citation[] => [
  ...(s.monitoring.driftSeries ?? []).map((d) => ({
    record: 'registry.drift_check',
    id: d.id,
    field: 'result',
  })),
  ...(s.monitoring.performanceSeries ?? []).map((p) => ({
    record: 'registry.performance_observation',
    id: p.id,
    field: 'result',
  })),
];

function pmsCollection(s: Snapshot): DocumentSection {
  const sources = [...new Set((s.monitoring.performanceSeries ?? []).map((p) => p.source))];
  const citations = monitoringCitations(s);
  return {
    id: 'mdr-pms-collection',
    title: '1.1(a) Collection and use of available information',
    clause: annexIII('1.1(a)') + ', Art. 83–84',
    items: [
      citations.length
        ? statement(
            'Proactive data collection',
            `Input drift of the deployed version (${s.monitoring.driftChecks} check(s)) and post-market performance by period (${performanceRecordText(s.monitoring)}; sources: ${sources.join(', ') || 'none'}) are recorded in the registry; clinician feedback on an output (accepted, modified, rejected, with a coded reason) is recorded in the audit trail and counted from it, period by period, into performance observations of source clinician-feedback (acceptance and override rates, counts by verdict and reason).`,
            [...citations, ...PLATFORM.auditTrail.citations],
          )
        : missing(
            'Proactive data collection',
            annexIII('1.1(a)'),
            'drift checks or performance observations of the deployed version',
          ),
      ...titledEvidence(
        s,
        TITLED_EVIDENCE.vigilance,
        'Serious incidents, field safety corrective actions and complaints',
        `${annexIII('1.1(a)')}, Art. 87–89`,
        'the vigilance procedure for incidents, FSCAs, complaints and literature',
      ),
    ],
  };
}

function indicators(s: Snapshot): DocumentSection {
  const declared = s.monitoring.declaredFeedbackFloors;
  const floors = new Map<string, string>();
  const floorText = (floor: PerformanceFloor) => `${floor.metric} [${floor.subgroup}] ≥ ${floor.minimum}`;
  for (const period of s.monitoring.performanceSeries ?? [])
    for (const floor of period.floors) floors.set(`${floor.metric}|${floor.subgroup}`, floorText(floor));
  const floorCitations: Citation[] = (s.monitoring.performanceSeries ?? []).map((p) => ({
    record: 'registry.performance_observation',
    id: p.id,
    field: 'result.floors',
  }));
  const declaredText = declared
    ? ` Clinicians' feedback is held to floors declared for this version (revision ${declared.revision}, ${declared.declaredAt.slice(0, 10)}, by ${declared.declaredBy}): ${declared.floors.map(floorText).join('; ')}; each closed period is recorded against them, and a floor not met is an alert.`
    : '';
  if (declared)
    floorCitations.push({ record: 'registry.feedback_floor_revision', id: declared.id, field: 'floors' });
  const thresholds = new Set(
    (s.monitoring.driftSeries ?? []).map(
      (d) => `PSI warn ≥ ${d.thresholds.warn}, alert ≥ ${d.thresholds.alert}`,
    ),
  );
  const plan = planCitation(s, 'modifications.acceptanceCriteria');
  return {
    id: 'mdr-pms-indicators',
    title: '1.1(b) Indicators and threshold values',
    clause:
      annexIII('1.1(b)') +
      ' (suitable indicators and threshold values for the continuous reassessment of the benefit-risk analysis)',
    items: [
      floors.size || declared
        ? statement(
            'Performance floors',
            `${[...floors.values()].join('; ')}${declaredText}`.trim(),
            floorCitations,
          )
        : missing(
            'Performance floors',
            annexIII('1.1(b)'),
            'performance observations with floors (metric, subgroup, minimum)',
          ),
      thresholds.size
        ? statement(
            'Input drift thresholds',
            `Population stability index per input feature against the check’s baseline sample: ${[...thresholds].join('; ')}.`,
            (s.monitoring.driftSeries ?? []).map((d) => ({
              record: 'registry.drift_check',
              id: d.id,
              field: 'result.thresholds',
            })),
          )
        : missing('Input drift thresholds', annexIII('1.1(b)'), 'drift checks with their thresholds'),
      plan
        ? statement(
            'Acceptance criteria for changes',
            'Every planned modification is judged against the acceptance criteria of the change control plan (per subgroup).',
            [plan],
          )
        : missing(
            'Acceptance criteria for changes',
            annexIII('1.1(b)'),
            'a predetermined change control plan',
          ),
    ],
  };
}

function trends(s: Snapshot): DocumentSection {
  const citations = monitoringCitations(s);
  return {
    id: 'mdr-pms-trends',
    title: '1.1(b) Methods for assessing data and trend reporting',
    clause: annexIII('1.1(b)') + ', Art. 88',
    items: [
      citations.length
        ? statement(
            'Assessment methods',
            'Input drift: PSI per feature on deciles of the baseline, each check kept as a time series with its level (stable, warn, alert). Performance: each period’s metrics per subgroup against the floors; a floor not met, or a metric not reported, is an alert. Each alert is a signal to investigate under the trend-reporting procedure (Art. 88).',
            citations,
          )
        : missing('Assessment methods', annexIII('1.1(b)'), 'drift checks or performance observations'),
    ],
  };
}

function corrective(s: Snapshot): DocumentSection {
  const plan = planCitation(s, 'protocol.updateProcedure');
  return {
    id: 'mdr-pms-actions',
    title: '1.1(b) Corrective actions, communication and traceability',
    clause: annexIII('1.1(b)') + ', Art. 83(3)–(4)',
    items: [
      PLATFORM.oversight,
      plan
        ? statement(
            'Update procedure',
            'Corrective changes to the model follow the update procedure of the change control plan, then the lifecycle approval.',
            [plan],
          )
        : missing('Update procedure', annexIII('1.1(b)'), 'a predetermined change control plan'),
      statement(
        'Traceability of devices',
        'Every output is traceable to the model version (manifest SHA-256) that produced it through its audit record.',
        [...PLATFORM.auditTrail.citations, versionField(s, 'manifest_sha256')],
      ),
    ],
  };
}

function pmcf(s: Snapshot): DocumentSection {
  return {
    id: 'mdr-pms-pmcf',
    title: '1.1(b) Post-market clinical follow-up plan',
    clause: annexIII('1.1(b)') + ', Annex XIV Part B',
    items: titledEvidence(
      s,
      TITLED_EVIDENCE.pmcfPlan,
      'PMCF plan',
      `${annexIII('1.1(b)')}, Annex XIV Part B`,
      'the post-market clinical follow-up plan or its justification',
    ),
  };
}

/**
 * One performance period of the PSUR: the schedule's periods by their span, a recording on request
 * marked as such (an ad-hoc review may cover a scheduled span again: it is not a second period).
 */
function periodItem(period: PerformancePeriod): DocumentItem {
  const span = `${period.periodStart.slice(0, 10)} to ${period.periodEnd.slice(0, 10)}`;
  const scheduled = period.recording === 'schedule';
  const transition = period.schedule?.isTransition ? ' (transition period)' : '';
  const how = scheduled
    ? `Recorded by the feedback schedule${period.schedule?.period ? ` (period ${period.schedule.period})` : ''}${period.schedule?.isTransition ? ', from the last period of the former length to the first boundary of the new one' : ''}.`
    : `Recorded on request by ${period.recordedBy}, not as one of the schedule's periods.`;
  return statement(
    scheduled ? `Period ${span}${transition}` : `Period ${span}, recorded on request`,
    `${how} Source ${period.source}: ${period.metrics.map(formatMetric).join('; ') || 'no metrics'}. ${
      period.breaches.length
        ? `Floors not met: ${period.breaches.map((b) => `${b.metric} [${b.subgroup}] ${b.observed ?? 'not reported'} < ${b.minimum}`).join('; ')}.`
        : 'Every floor met.'
    }`,
    [{ record: 'registry.performance_observation', id: period.id, field: 'result' }],
  );
}

function psur(s: Snapshot): DocumentSection {
  const periods = s.monitoring.performanceSeries ?? [];
  const drift = s.monitoring.driftSeries ?? [];
  const items: DocumentItem[] = [];
  if (!periods.length)
    items.push(
      missing(
        'Performance by period',
        annexIII('1.2') + ', Art. 86',
        'performance observations of the version',
      ),
    );
  // The schedule's series first, each period once; then the recordings on request, listed apart.
  const { scheduled, onRequest } = byRecording(periods);
  for (const period of [...scheduled, ...onRequest]) items.push(periodItem(period));
  if (drift.length)
    items.push(
      statement(
        'Input drift',
        `${drift.length} check(s), ${drift.filter((d) => d.alertFeatures.length).length} with an alert${
          drift.some((d) => d.alertFeatures.length)
            ? ` (features: ${[...new Set(drift.flatMap((d) => d.alertFeatures))].join(', ')})`
            : ''
        }.`,
        drift.map((d) => ({ record: 'registry.drift_check', id: d.id, field: 'result' })),
      ),
    );
  else items.push(missing('Input drift', annexIII('1.2') + ', Art. 86', 'drift checks of the version'));
  const m = s.monitoring;
  const alerts = m.performanceAlerts + m.driftAlerts;
  if (periods.length || drift.length)
    items.push(
      statement(
        'Conclusion of the monitoring data',
        alerts
          ? `${alerts} alert(s) on record (${m.scheduledAlerts} in the schedule's periods, ${m.performanceAlerts - m.scheduledAlerts} in performance observations recorded on request, ${m.driftAlerts} in drift checks): the benefit-risk analysis must be reassessed before the report is concluded.`
          : 'No alert in the period: the monitoring data raise no signal for the benefit-risk analysis.',
        monitoringCitations(s),
      ),
    );
  return {
    id: 'mdr-psur',
    title: '1.2 Periodic safety update report data',
    clause: annexIII('1.2') + ', Art. 86 (class IIa, IIb, III)',
    items,
  };
}

/** EU MDR Annex III post-market surveillance documentation: the plan, and the PSUR data on record. */
export function buildMdrAnnexIII(s: Snapshot): RegulatoryDocument {
  return {
    kind: 'eu-mdr-annex-iii',
    title: `EU MDR post-market surveillance (Annex III): ${s.model.displayName} ${s.version.version}`,
    model: s.model.name,
    version: s.version.version,
    sections: [pmsCollection(s), indicators(s), trends(s), corrective(s), pmcf(s), psur(s)],
  };
}

export { lifecycleRecord };
