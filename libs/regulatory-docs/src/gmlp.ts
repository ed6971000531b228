import {
  datasetCitation,
  evidenceCitation,
  metricsOf,
  modelField,
  ofKind,
  planCitation,
  text,
  versionField,
} from './citations.js';
import {
  missing,
  statement,
  type Citation,
  type DocumentItem,
  type DocumentSection,
  type RegulatoryDocument,
} from './document-model.js';
import { PLATFORM, platformCitation } from './platform.js';
import { performanceRecordText } from './performance-record.js';
import type { RegistrySnapshot } from './snapshot.js';

type Snapshot = RegistrySnapshot;

const GMLP =
  'Good Machine Learning Practice for Medical Device Development: Guiding Principles (FDA, Health Canada, MHRA, Oct 2021; IMDRF N88)';

/** The ten principles, in the order of the publication. */
export const GMLP_PRINCIPLES = [
  'Multi-disciplinary expertise is leveraged throughout the total product life cycle',
  'Good software engineering and security practices are implemented',
  'Clinical study participants and data sets are representative of the intended patient population',
  'Training data sets are independent of test sets',
  'Selected reference datasets are based upon best available methods',
  'Model design is tailored to the available data and reflects the intended use of the device',
  'Focus is placed on the performance of the Human-AI team',
  'Testing demonstrates device performance during clinically relevant conditions',
  'Users are provided clear, essential information',
  'Deployed models are monitored for performance and re-training risks are managed',
] as const;

/** Evidence for one principle: a statement when there is some, else the gap. */
function evidence(
  label: string,
  number: number,
  text: string,
  citations: readonly Citation[],
  toAdd: string,
): DocumentItem {
  return citations.length
    ? statement(label, text, citations)
    : missing(label, `${GMLP} principle ${number}`, toAdd);
}

function principles(s: Snapshot): DocumentItem[][] {
  const signatures = s.signatures ?? [];
  const test = s.datasets.filter((d) => d.splitRole === 'test');
  const metrics = metricsOf(s);
  const subgroups = metrics.filter(({ m }) => (m.subgroup ?? 'overall') !== 'overall');
  const cite = (kind: string) => ofKind(s, kind).map((e) => evidenceCitation(e));
  const plan = planCitation(s);
  const monitored = s.monitoring.driftChecks + s.monitoring.performanceObservations > 0;
  const sheets = (field: string) =>
    s.datasets.filter((d) => {
      const value = field
        .split('.')
        .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], d.datasheet);
      return typeof value === 'string' ? value.trim() !== '' : value !== undefined;
    });
  return [
    [
      evidence(
        'Sign-off by distinct disciplines',
        1,
        signatures.map((sig) => `${sig.meaning} by ${sig.printedName} (${sig.role})`).join('; ') + '.',
        signatures.map((sig) => ({
          record: 'registry.signature',
          id: sig.id,
          field: 'signer_role',
          sha256: sig.signatureSha256,
        })),
        'approval signatures of the ethics board and regulatory affairs on the version',
      ),
    ],
    [
      statement(
        'Software engineering',
        `Released under the registry lifecycle (evidence, bias sign-off, two signatures)${
          s.model.classification.iec62304
            ? `; IEC 62304 safety class ${s.model.classification.iec62304.safetyClass}`
            : ''
        }.`,
        [
          modelField(s, 'classification.iec62304'),
          platformCitation('libs/model-registry/src/lifecycle/lifecycle.ts'),
        ],
      ),
      PLATFORM.gatewayControls,
      evidence(
        'Security testing',
        2,
        'Security test reports of the version are on record.',
        cite('test_report'),
        'test_report evidence',
      ),
    ],
    [
      evidence(
        'Representativeness of the data',
        3,
        'Demographics (sex, age, race, ethnicity) and collection sites are recorded per dataset.',
        sheets('demographics').map((d) => datasetCitation(d, 'datasheet.demographics')),
        'datasheet.demographics of the datasets',
      ),
    ],
    [
      evidence(
        'Independence of test data',
        4,
        test
          .map((d) => `${d.name}: ${text(d.datasheet['independenceControls']) ?? 'no control stated'}`)
          .join('; '),
        test
          .filter((d) => text(d.datasheet['independenceControls']))
          .map((d) => datasetCitation(d, 'datasheet.independenceControls')),
        'a test dataset whose datasheet states its independenceControls',
      ),
    ],
    [
      evidence(
        'Reference standard',
        5,
        sheets('annotation.referenceStandard')
          .map(
            (d) =>
              `${d.name}: ${text((d.datasheet['annotation'] as Record<string, unknown>)['referenceStandard'])}`,
          )
          .join('; '),
        sheets('annotation.referenceStandard').map((d) =>
          datasetCitation(d, 'datasheet.annotation.referenceStandard'),
        ),
        'datasheet.annotation.referenceStandard of the datasets',
      ),
    ],
    [
      evidence(
        'Model design and intended use',
        6,
        `${s.version.manifest.architecture ?? ''} for: ${s.model.intendedUse}`,
        s.version.manifest.architecture
          ? [versionField(s, 'manifest.architecture'), modelField(s, 'intended_use')]
          : [],
        'manifest.architecture',
      ),
    ],
    [
      evidence(
        'Human-AI team',
        7,
        `Degree of automation: ${s.model.profile.automation ?? ''}. ${s.model.profile.clinicalWorkflow ?? ''}`,
        s.model.profile.automation && s.model.profile.clinicalWorkflow
          ? [modelField(s, 'profile.automation'), modelField(s, 'profile.clinicalWorkflow')]
          : [],
        'profile.automation and profile.clinicalWorkflow',
      ),
      PLATFORM.oversight,
    ],
    [
      evidence(
        'Clinically relevant testing',
        8,
        `${metrics.length} result(s) on sequestered test data, ${subgroups.length} of them per subgroup.`,
        subgroups.length
          ? [...new Set(metrics.map(({ e }) => e))].map((e) => evidenceCitation(e, 'details.metrics'))
          : [],
        'performance results per subgroup',
      ),
      evidence(
        'Validation report',
        8,
        'Clinical validation report on record.',
        cite('validation_report'),
        'validation_report evidence',
      ),
    ],
    [
      evidence(
        'Essential information to users',
        9,
        'Intended use, limitations, contraindications and outputs are recorded and shown in the model card and with every output.',
        s.model.limitations.trim() && s.model.profile.contraindications
          ? [modelField(s, 'limitations'), modelField(s, 'profile.contraindications')]
          : [],
        'model limitations and profile.contraindications',
      ),
      PLATFORM.transparency,
    ],
    [
      evidence(
        'Performance monitoring',
        10,
        `${s.monitoring.driftChecks} drift check(s) and ${performanceRecordText(s.monitoring)} on record.`,
        monitored
          ? [
              {
                record: 'registry.drift_check+performance_observation',
                id: s.version.id,
                field: 'version_id',
              },
            ]
          : [],
        'drift checks or performance observations of the deployed version',
      ),
      evidence(
        'Re-training risks managed',
        10,
        'Re-training follows the change control plan with acceptance criteria per subgroup.',
        plan ? [plan] : [],
        'a predetermined change control plan',
      ),
    ],
  ];
}

/** The ten GMLP principles, each with the registry evidence behind it. */
export function buildGmlpChecklist(s: Snapshot): RegulatoryDocument {
  const items = principles(s);
  return {
    kind: 'gmlp',
    title: `Good Machine Learning Practice checklist: ${s.model.displayName} ${s.version.version}`,
    model: s.model.name,
    version: s.version.version,
    sections: GMLP_PRINCIPLES.map((principle, index): DocumentSection => ({
      id: `gmlp-${index + 1}`,
      title: `${index + 1}. ${principle}`,
      clause: `${GMLP} principle ${index + 1}`,
      items: items[index] ?? [],
    })),
  };
}
