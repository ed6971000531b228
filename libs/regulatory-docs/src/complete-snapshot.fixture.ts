import { DEMO_MODEL } from '@praesidium/demo';
import type { RegistrySnapshot } from './snapshot.js';

const sha = (char: string) => char.repeat(64);
const datasheet = {
  provenance: 'retrospective registry of three outpatient clinics',
  collectionSites: ['Site A (Boston)', 'Site B (Denver)', 'Site C (Atlanta)'],
  collectionPeriod: { from: '2021-01-01', to: '2023-12-31' },
  inclusionCriteria: 'adults receiving a first lumbar ESI',
  exclusionCriteria: 'missing 4-week follow-up',
  demographics: {
    sex: { female: 0.52, male: 0.48 },
    age: { '18-64': 0.7, '65+': 0.3 },
    race: { white: 0.6, black: 0.2, other: 0.2 },
    ethnicity: { hispanic: 0.15, 'not-hispanic': 0.85 },
  },
  acquisitionEquipment: [],
  annotation: {
    method: 'chart review by two physicians',
    referenceStandard: '>=50% NRS reduction at 4 weeks',
  },
  independenceControls: 'test patients and Site C never used for training',
};
const quality = {
  rowCount: 1200,
  duplicateRows: 0,
  missingPerColumn: {},
  outOfRange: {},
  representativeness: [],
};

/** The model's change control plan: version 1.1.0 is declared under M1. */
export const PLAN = {
  modifications: [
    {
      id: 'M1',
      type: 're-training',
      description: 'Re-train on data of new sites.',
      bounds: 'same features and architecture',
      implementation: 'manual',
      scope: 'global',
      acceptanceCriteria: [
        { metric: 'auroc', subgroup: 'overall', minimum: 0.75, onConfidenceBound: false },
        { metric: 'auroc', subgroup: 'sex=female', minimum: 0.72, onConfidenceBound: false },
      ],
    },
  ],
  protocol: {
    dataManagement: 'test sites sequestered',
    retraining: 'same pipeline',
    performanceEvaluation: 'held-out test set, bootstrap CI',
    updateProcedure: 'signed approval, then deploy',
  },
  impactAssessment: 'subgroup regressions controlled by the criteria',
};

/** Registry records of a version with everything the FDA AI-DSF document asks for. */
export function completeSnapshot(): RegistrySnapshot {
  return {
    model: {
      id: '00000000-0000-4000-8000-000000000001',
      name: DEMO_MODEL.name,
      displayName: DEMO_MODEL.displayName,
      intendedUse: DEMO_MODEL.intendedUse,
      limitations: DEMO_MODEL.limitations,
      departments: DEMO_MODEL.departments,
      riskClass: DEMO_MODEL.riskClass,
      profile: DEMO_MODEL.profile,
      classification: DEMO_MODEL.classification,
    },
    version: {
      id: '00000000-0000-4000-8000-000000000002',
      version: '1.1.0',
      status: 'deployed',
      manifestSha256: sha('a'),
      manifest: {
        version: '1.1.0',
        artifact: { sha256: sha('b'), uri: 'oci://models/lumbar-esi@1.1.0' },
        architecture: 'logistic regression on six features',
        training: {
          paradigm: 'supervised',
          description: 'maximum likelihood with L2 penalty, 5-fold cross-validation',
          hyperparameters: { l2: 0.1 },
          pretrainedComponents: [],
          datasets: ['esi-train'],
        },
        operatingPoints: [{ name: 'default', threshold: 0.5, rationale: 'Youden index on the tuning set' }],
      },
      pccpModifications: ['M1'],
    },
    history: [
      {
        id: '00000000-0000-4000-8000-000000000003',
        version: '1.0.0',
        status: 'retired',
        manifestSha256: sha('c'),
      },
      {
        id: '00000000-0000-4000-8000-000000000002',
        version: '1.1.0',
        status: 'deployed',
        manifestSha256: sha('a'),
      },
    ],
    datasets: [
      {
        id: '00000000-0000-4000-8000-000000000010',
        name: 'esi-train',
        splitRole: 'training',
        datasheet,
        contentSha256: sha('d'),
        qualityReport: quality,
      },
      {
        id: '00000000-0000-4000-8000-000000000011',
        name: 'esi-test',
        splitRole: 'test',
        datasheet,
        contentSha256: sha('e'),
        qualityReport: quality,
      },
    ],
    evidence: [
      {
        id: '00000000-0000-4000-8000-000000000020',
        kind: 'performance',
        title: 'held-out test set',
        sha256: sha('f'),
        details: {
          metrics: [
            { metric: 'auroc', subgroup: 'overall', value: 0.81, ciLower: 0.77, ciUpper: 0.85 },
            { metric: 'auroc', subgroup: 'sex=female', value: 0.8, ciLower: 0.74, ciUpper: 0.86 },
          ],
        },
      },
      {
        id: '00000000-0000-4000-8000-000000000021',
        kind: 'risk_item',
        title: 'overestimated benefit',
        sha256: sha('1'),
        details: {
          hazard: 'score overestimates relief',
          harm: 'unnecessary injection',
          severity: 'minor',
          probability: 'remote',
          controls: ['labeling states decision support only'],
          residualRisk: 'acceptable',
        },
      },
      {
        id: '00000000-0000-4000-8000-000000000022',
        kind: 'validation_report',
        title: 'clinical validation',
        sha256: sha('2'),
        details: { summary: 'retrospective, pre-specified' },
      },
      {
        id: '00000000-0000-4000-8000-000000000023',
        kind: 'bias_report',
        title: 'subgroup analysis',
        sha256: sha('3'),
        details: {},
      },
      {
        id: '00000000-0000-4000-8000-000000000024',
        kind: 'test_report',
        title: 'fuzz and penetration tests',
        sha256: sha('4'),
        details: {},
      },
      {
        id: '00000000-0000-4000-8000-000000000025',
        kind: 'other',
        title: 'User interface screens and example reports',
        sha256: sha('5'),
        details: {},
      },
      {
        id: '00000000-0000-4000-8000-000000000026',
        kind: 'other',
        title: 'Threat model (AI threats)',
        sha256: sha('6'),
        details: {},
      },
      {
        id: '00000000-0000-4000-8000-000000000027',
        kind: 'other',
        title: 'Basic UDI-DI',
        sha256: sha('8'),
        details: { summary: '0123456ESI01AB' },
      },
      {
        id: '00000000-0000-4000-8000-000000000028',
        kind: 'other',
        title: 'Clinical evaluation plan and report',
        sha256: sha('9'),
        details: {},
      },
      {
        id: '00000000-0000-4000-8000-000000000029',
        kind: 'other',
        title: 'PMCF plan',
        sha256: sha('a'),
        details: { summary: 'registry follow-up of outcomes at 4 weeks' },
      },
      {
        id: '00000000-0000-4000-8000-00000000002a',
        kind: 'other',
        title: 'Declaration of conformity (EU)',
        sha256: sha('b'),
        details: {},
      },
      {
        id: '00000000-0000-4000-8000-00000000002b',
        kind: 'other',
        title: 'Vigilance procedure',
        sha256: sha('c'),
        details: {},
      },
    ],
    changeControlPlan: { id: '00000000-0000-4000-8000-000000000030', sha256: sha('7'), plan: PLAN },
    monitoring: {
      driftChecks: 1,
      driftAlerts: 0,
      performanceObservations: 1,
      performanceAlerts: 0,
      scheduledPeriods: 0,
      scheduledAlerts: 0,
      driftSeries: [
        {
          id: '00000000-0000-4000-8000-000000000040',
          at: '2026-10-01T00:00:00.000Z',
          thresholds: { warn: 0.1, alert: 0.25 },
          features: 6,
          alertFeatures: [],
        },
      ],
      performanceSeries: [
        {
          id: '00000000-0000-4000-8000-000000000041',
          periodStart: '2026-09-01T00:00:00.000Z',
          periodEnd: '2026-10-01T00:00:00.000Z',
          source: 'outcome-follow-up',
          recording: 'request',
          recordedBy: 'model-owner',
          metrics: [{ metric: 'auroc', subgroup: 'overall', value: 0.8, ciLower: 0.75, ciUpper: 0.85 }],
          floors: [{ metric: 'auroc', subgroup: 'overall', minimum: 0.75 }],
          breaches: [],
        },
      ],
    },
    transitions: [
      {
        id: '00000000-0000-4000-8000-000000000050',
        from: 'under_review',
        to: 'approved',
        actor: 'regulatory-affairs',
        at: '2026-08-01T00:00:00.000Z',
        recordSha256: sha('d'),
      },
      {
        id: '00000000-0000-4000-8000-000000000051',
        from: 'approved',
        to: 'deployed',
        actor: 'model-owner',
        at: '2026-08-02T00:00:00.000Z',
        recordSha256: sha('d'),
      },
    ],
    signatures: [
      {
        id: '00000000-0000-4000-8000-000000000060',
        printedName: 'Prof Ines Moreau',
        role: 'ethics-board',
        meaning: 'approved',
        signedAt: '2026-07-31T00:00:00.000Z',
        signatureSha256: sha('e'),
      },
      {
        id: '00000000-0000-4000-8000-000000000061',
        printedName: 'Lena Fischer',
        role: 'regulatory-affairs',
        meaning: 'approved',
        signedAt: '2026-07-31T01:00:00.000Z',
        signatureSha256: sha('f'),
      },
    ],
  };
}
