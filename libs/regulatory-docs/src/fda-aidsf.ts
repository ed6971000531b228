import type { MetricResult } from '@praesidium/model-registry';
import {
  datasetCitation,
  evidenceCitation,
  evidenceItems,
  formatMetric,
  list,
  modelField,
  ofKind,
  shares,
  text,
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
import { performanceRecordText } from './performance-record.js';
import type { RegistrySnapshot } from './snapshot.js';

const GUIDANCE = 'FDA AI-enabled device software functions draft guidance (Jan 2025)';
const clause = (section: string) => `${GUIDANCE} §${section}`;

type Snapshot = RegistrySnapshot;
type Dataset = Snapshot['datasets'][number];

function deviceDescription(s: Snapshot): DocumentSection {
  const need = (toAdd: string) => ({ requiredBy: clause('V'), toAdd });
  return {
    id: 'fda-device-description',
    title: 'V. Device Description',
    clause: clause('V'),
    items: [
      statement('Use of AI', `${s.model.displayName} is an AI-enabled device software function.`, [
        modelField(s, 'display_name'),
      ]),
      fact('Intended use', s.model.intendedUse, modelField(s, 'intended_use'), need('the intended use')),
      profileFact(s, 'Indications for use', 'indications', clause('V')),
      profileFact(s, 'Model inputs', 'inputs', clause('V')),
      profileFact(s, 'Model outputs', 'outputs', clause('V')),
      profileFact(s, 'Intended users', 'intendedUsers', clause('V')),
      profileFact(s, 'Use environment', 'useEnvironment', clause('V')),
      profileFact(s, 'Clinical workflow', 'clinicalWorkflow', clause('V')),
      profileFact(s, 'Degree of automation', 'automation', clause('V')),
      operatingPoints(s, clause('V')),
    ],
  };
}

function operatingPoints(s: Snapshot, requiredBy: string): DocumentItem {
  const points = s.version.manifest.operatingPoints ?? [];
  if (!points.length)
    return missing('Operating points', requiredBy, 'manifest.operatingPoints with threshold and rationale');
  const described = points.map((p) => `${p.name} (threshold ${p.threshold}): ${p.rationale}`).join('; ');
  return statement('Operating points', described, [versionField(s, 'manifest.operatingPoints')]);
}

function userInterface(s: Snapshot): DocumentSection {
  return {
    id: 'fda-user-interface',
    title: 'VI.A User Interface',
    clause: clause('VI.A'),
    items: [
      fact('Outputs presented to the user', s.model.profile.outputs, modelField(s, 'profile.outputs'), {
        requiredBy: clause('VI.A'),
        toAdd: 'profile.outputs',
      }),
      ...evidenceItems(
        s,
        'other',
        'Graphical representation and example output reports',
        (e) => e.title,
        {
          requiredBy: clause('VI.A'),
          toAdd: `screens or wireframes and example reports (an \`other\` evidence file titled "${TITLED_EVIDENCE.userInterface} …")`,
        },
        TITLED_EVIDENCE.userInterface,
      ),
    ],
  };
}

function labeling(s: Snapshot): DocumentSection {
  const m = s.version.manifest;
  const need = (toAdd: string) => ({ requiredBy: clause('VI.B / Appendix E'), toAdd });
  const performance = ofKind(s, 'performance');
  return {
    id: 'fda-labeling',
    title: 'VI.B Labeling (model card)',
    clause: clause('VI.B, Appendix E'),
    items: [
      statement(
        'Inclusion of AI',
        `The device uses AI (${s.model.displayName}, version ${s.version.version}).`,
        [versionField(s, 'version')],
      ),
      profileFact(s, 'Model input', 'inputs', clause('VI.B / Appendix E')),
      profileFact(s, 'Model output', 'outputs', clause('VI.B / Appendix E')),
      profileFact(s, 'Automation', 'automation', clause('VI.B / Appendix E')),
      fact(
        'Model architecture',
        m.architecture,
        versionField(s, 'manifest.architecture'),
        need('manifest.architecture'),
      ),
      developmentData(s),
      performance.length
        ? statement(
            'Device performance metrics',
            `${performance.length} performance record(s); see section X.`,
            performance.map((e) => evidenceCitation(e)),
          )
        : missing(
            'Device performance metrics',
            clause('VI.B'),
            'performance evidence with confidence intervals',
          ),
      fact('Limitations', s.model.limitations, modelField(s, 'limitations'), need('model limitations')),
      profileFact(s, 'Contraindications', 'contraindications', clause('VI.B / Appendix E')),
      profileFact(s, 'Manufacturer', 'manufacturer', clause('VI.B / Appendix E')),
    ],
  };
}

function developmentData(s: Snapshot): DocumentItem {
  const training = s.datasets.filter((d) => d.splitRole !== 'test');
  if (!training.length)
    return missing(
      'Model development data',
      clause('VI.B'),
      'a training or tuning dataset with its datasheet',
    );
  return statement(
    'Model development data',
    training.map((d) => `${d.name} (${d.splitRole})`).join('; '),
    training.map((d) => datasetCitation(d, 'datasheet')),
  );
}

function riskAssessment(s: Snapshot): DocumentSection {
  return {
    id: 'fda-risk-assessment',
    title: 'VII. Risk Assessment',
    clause: clause('VII'),
    items: evidenceItems(
      s,
      'risk_item',
      'Risk item',
      (e) => {
        const d = e.details;
        const controls = Array.isArray(d['controls']) ? (d['controls'] as string[]).join('; ') : '';
        return `Hazard: ${text(d['hazard'])}. Harm: ${text(d['harm'])}. Severity ${text(d['severity'])}, probability ${text(d['probability'])}. Controls: ${controls}. Residual risk: ${text(d['residualRisk'])}.`;
      },
      {
        requiredBy: clause('VII') + ' (ISO 14971)',
        toAdd: 'risk_item evidence (hazard, harm, controls, residual risk)',
      },
    ),
  };
}

function datasetItems(d: Dataset): DocumentItem[] {
  const sheet = d.datasheet;
  const need = (toAdd: string) => ({
    requiredBy: clause('VIII'),
    toAdd: `datasheet.${toAdd} of dataset ${d.name}`,
  });
  const period = sheet['collectionPeriod'] as { from?: string; to?: string } | undefined;
  const demographics = (sheet['demographics'] ?? {}) as Record<string, unknown>;
  const annotation = (sheet['annotation'] ?? {}) as Record<string, unknown>;
  const at = (field: string) => datasetCitation(d, `datasheet.${field}`);
  return [
    fact(`${d.name}: provenance`, text(sheet['provenance']), at('provenance'), need('provenance')),
    fact(
      `${d.name}: collection sites`,
      list(sheet['collectionSites'] as string[] | undefined),
      at('collectionSites'),
      need('collectionSites'),
    ),
    fact(
      `${d.name}: collection period`,
      period?.from ? `${period.from} to ${period.to}` : undefined,
      at('collectionPeriod'),
      need('collectionPeriod'),
    ),
    fact(
      `${d.name}: inclusion criteria`,
      text(sheet['inclusionCriteria']),
      at('inclusionCriteria'),
      need('inclusionCriteria'),
    ),
    fact(
      `${d.name}: exclusion criteria`,
      text(sheet['exclusionCriteria']),
      at('exclusionCriteria'),
      need('exclusionCriteria'),
    ),
    fact(
      `${d.name}: reference standard`,
      text(annotation['referenceStandard']),
      at('annotation.referenceStandard'),
      need('annotation.referenceStandard'),
    ),
    fact(
      `${d.name}: annotation`,
      text(annotation['method']),
      at('annotation.method'),
      need('annotation.method'),
    ),
    fact(
      `${d.name}: independence of test data`,
      text(sheet['independenceControls']),
      at('independenceControls'),
      need('independenceControls'),
    ),
    fact(
      `${d.name}: sex distribution`,
      shares(demographics['sex']),
      at('demographics.sex'),
      need('demographics.sex'),
    ),
    fact(
      `${d.name}: age distribution`,
      shares(demographics['age']),
      at('demographics.age'),
      need('demographics.age'),
    ),
    fact(
      `${d.name}: race distribution`,
      shares(demographics['race']),
      at('demographics.race'),
      need('demographics.race'),
    ),
    fact(
      `${d.name}: ethnicity distribution`,
      shares(demographics['ethnicity']),
      at('demographics.ethnicity'),
      need('demographics.ethnicity'),
    ),
    d.qualityReport
      ? statement(
          `${d.name}: data quality`,
          `Data-quality report: ${Number(d.qualityReport['rowCount'])} rows, ${Number(d.qualityReport['duplicateRows'])} duplicate rows.`,
          [datasetCitation(d, 'quality_report')],
        )
      : missing(`${d.name}: data quality`, clause('VIII'), `a data-quality report for dataset ${d.name}`),
  ];
}

function dataManagement(s: Snapshot): DocumentSection {
  const roles = ['training', 'test'].flatMap((role) =>
    s.datasets.some((d) => d.splitRole === role)
      ? []
      : [missing(`${role} dataset`, clause('VIII'), `a ${role} dataset with its datasheet`)],
  );
  return {
    id: 'fda-data-management',
    title: 'VIII. Data Management',
    clause: clause('VIII'),
    items: [...roles, ...s.datasets.flatMap(datasetItems)],
  };
}

function modelDescription(s: Snapshot): DocumentSection {
  const m = s.version.manifest;
  const t = m.training;
  const need = (toAdd: string) => ({ requiredBy: clause('IX'), toAdd });
  const hyper = t?.hyperparameters
    ? Object.entries(t.hyperparameters)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(', ')
    : undefined;
  return {
    id: 'fda-model-description',
    title: 'IX. Model Description and Development',
    clause: clause('IX'),
    items: [
      fact(
        'Architecture',
        m.architecture,
        versionField(s, 'manifest.architecture'),
        need('manifest.architecture'),
      ),
      fact(
        'Training paradigm',
        t?.paradigm,
        versionField(s, 'manifest.training.paradigm'),
        need('manifest.training.paradigm'),
      ),
      fact(
        'Development description',
        t?.description,
        versionField(s, 'manifest.training.description'),
        need('manifest.training.description'),
      ),
      fact(
        'Hyperparameters',
        hyper,
        versionField(s, 'manifest.training.hyperparameters'),
        need('manifest.training.hyperparameters'),
      ),
      statement('Pre-trained components', list(t?.pretrainedComponents) ?? 'None declared.', [
        versionField(s, 'manifest.training.pretrainedComponents'),
      ]),
      operatingPoints(s, clause('IX')),
      fact(
        'Model artifact',
        m.artifact ? `${m.artifact.uri} (SHA-256 ${m.artifact.sha256})` : undefined,
        versionField(s, 'manifest.artifact'),
        need('manifest.artifact'),
      ),
    ],
  };
}

function validation(s: Snapshot): DocumentSection {
  const performance = ofKind(s, 'performance');
  const metrics = performance.flatMap((e) =>
    ((e.details['metrics'] ?? []) as MetricResult[]).map((m) => ({ e, m })),
  );
  const history = statement(
    'Software version history',
    s.history
      .map((v) => `${v.version} (${v.status}, manifest ${v.manifestSha256.slice(0, 12)}…)`)
      .join('; ') + `. Version documented (tested and released): ${s.version.version}.`,
    s.history.map((v) => ({
      record: 'registry.model_version',
      id: v.id,
      field: 'status',
      sha256: v.manifestSha256,
    })),
  );
  const items: DocumentItem[] = [history];
  if (!metrics.length)
    items.push(
      missing(
        'Performance results',
        clause('X.A'),
        'performance evidence (metrics with confidence intervals)',
      ),
    );
  for (const { e, m } of metrics)
    items.push(statement('Performance result', formatMetric(m), [evidenceCitation(e, 'details.metrics')]));
  if (metrics.length && !metrics.some(({ m }) => (m.subgroup ?? 'overall') !== 'overall'))
    items.push(
      missing(
        'Subgroup results',
        clause('X.A'),
        'performance results per subgroup (sex, age, race, ethnicity, site)',
      ),
    );
  if (metrics.some(({ m }) => m.ciLower === undefined))
    items.push(
      missing('Confidence intervals', clause('VI.B / X.A'), 'confidence intervals for every reported metric'),
    );
  items.push(
    ...evidenceItems(
      s,
      'validation_report',
      'Validation report',
      (e) => `${e.title}${text(e.details['summary']) ? `: ${text(e.details['summary'])}` : ''}`,
      {
        requiredBy: clause('X.A'),
        toAdd: 'validation_report evidence (study protocol, statistical analysis plan, results)',
      },
    ),
    ...evidenceItems(
      s,
      'bias_report',
      'Subgroup (bias) analysis',
      (e) => `${e.title}${text(e.details['summary']) ? `: ${text(e.details['summary'])}` : ''}`,
      {
        requiredBy: clause('X.A'),
        toAdd: 'bias_report evidence (subgroup analysis)',
      },
    ),
  );
  return { id: 'fda-validation', title: 'X. Validation', clause: clause('X'), items };
}

function monitoring(s: Snapshot): DocumentSection {
  const m = s.monitoring;
  const checked = m.driftChecks + m.performanceObservations > 0;
  const citation: Citation = {
    record: 'registry.drift_check+performance_observation',
    id: s.version.id,
    field: 'version_id',
  };
  return {
    id: 'fda-performance-monitoring',
    title: 'XI. Device Performance Monitoring',
    clause: clause('XI'),
    items: [
      checked
        ? statement(
            'Monitoring record',
            `${m.driftChecks} input-drift check(s) (${m.driftAlerts} alert(s)) and, of performance, ${performanceRecordText(m, { alerts: true })}, for this version.`,
            [citation],
          )
        : missing(
            'Monitoring record',
            clause('XI'),
            'drift checks or performance observations of the deployed version',
          ),
      s.changeControlPlan
        ? statement('Update plan', 'Updates follow the predetermined change control plan on record.', [
            {
              record: 'registry.change_control_plan',
              id: s.changeControlPlan.id,
              field: 'plan',
              sha256: s.changeControlPlan.sha256,
            },
          ])
        : missing('Update plan', clause('XI'), 'a predetermined change control plan or update procedure'),
    ],
  };
}

function cybersecurity(s: Snapshot): DocumentSection {
  return {
    id: 'fda-cybersecurity',
    title: 'XII. Cybersecurity',
    clause: clause('XII'),
    items: [
      statement(
        'Platform controls',
        'Model inference runs behind the Praesidium gateway: deny-by-default access policy, schema validation of every input, an append-only hash-chained audit trail, and a CycloneDX SBOM of the platform (document kind `sbom`).',
        [{ record: 'platform', id: 'praesidium', field: 'README#security' }],
      ),
      ...evidenceItems(s, 'test_report', 'Security test report', (e) => e.title, {
        requiredBy: clause('XII'),
        toAdd:
          'test_report evidence of malformed-input (fuzz) and penetration testing of the model interface',
      }),
      ...evidenceItems(
        s,
        'other',
        'AI threat model',
        (e) => e.title,
        {
          requiredBy: clause('XII'),
          toAdd: `a threat model covering data poisoning, model inversion, evasion and data leakage (an \`other\` evidence file titled "${TITLED_EVIDENCE.threatModel} …")`,
        },
        TITLED_EVIDENCE.threatModel,
      ),
    ],
  };
}

function publicSummary(s: Snapshot): DocumentSection {
  const test = s.datasets.filter((d) => d.splitRole === 'test');
  return {
    id: 'fda-public-summary',
    title: 'XIII. Public Submission Summary',
    clause: clause('XIII'),
    items: [
      fact('How AI is used', s.model.intendedUse, modelField(s, 'intended_use'), {
        requiredBy: clause('XIII'),
        toAdd: 'the intended use',
      }),
      fact('Model class', s.version.manifest.architecture, versionField(s, 'manifest.architecture'), {
        requiredBy: clause('XIII'),
        toAdd: 'manifest.architecture',
      }),
      test.length
        ? statement(
            'Validation datasets',
            test.map((d) => d.name).join('; '),
            test.map((d) => datasetCitation(d, 'datasheet')),
          )
        : missing('Validation datasets', clause('XIII'), 'a test dataset with its datasheet'),
      s.changeControlPlan
        ? statement('Model updates', 'The model is updated under its predetermined change control plan.', [
            {
              record: 'registry.change_control_plan',
              id: s.changeControlPlan.id,
              field: 'plan',
              sha256: s.changeControlPlan.sha256,
            },
          ])
        : missing('Model updates', clause('XIII'), 'a predetermined change control plan'),
    ],
  };
}

/** The submission content of FDA's AI-DSF draft guidance, sections V–XIII, for one model version. */
export function buildFdaAidsf(s: Snapshot): RegulatoryDocument {
  return {
    kind: 'fda-aidsf',
    title: `AI-enabled device software function: ${s.model.displayName} ${s.version.version}`,
    model: s.model.name,
    version: s.version.version,
    sections: [
      deviceDescription(s),
      userInterface(s),
      labeling(s),
      riskAssessment(s),
      dataManagement(s),
      modelDescription(s),
      validation(s),
      monitoring(s),
      cybersecurity(s),
      publicSummary(s),
    ],
  };
}
