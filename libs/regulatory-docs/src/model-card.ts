import {
  datasetCitation,
  evidenceCitation,
  evidenceItems,
  formatMetric,
  metricsOf,
  modelField,
  shares,
  text,
  versionField,
  profileFact,
} from './citations.js';
import {
  completenessReport,
  fact,
  missing,
  statement,
  type DocumentItem,
  type DocumentSection,
  type RegulatoryDocument,
} from './document-model.js';
import type { RegistrySnapshot } from './snapshot.js';

type Snapshot = RegistrySnapshot;

const APPENDIX_E =
  'FDA AI-enabled device software functions draft guidance (Jan 2025) Appendix E (model card)';

function deviceInformation(s: Snapshot): DocumentSection {
  return {
    id: 'card-device',
    title: 'Device Information',
    clause: APPENDIX_E,
    items: [
      statement('Name and version', `${s.model.displayName} (${s.model.name}) ${s.version.version}`, [
        modelField(s, 'display_name'),
        versionField(s, 'version'),
      ]),
      fact('Model architecture', s.version.manifest.architecture, versionField(s, 'manifest.architecture'), {
        requiredBy: APPENDIX_E,
        toAdd: 'manifest.architecture',
      }),
    ],
  };
}

function regulatoryStatus(s: Snapshot): DocumentSection {
  const c = s.model.classification;
  return {
    id: 'card-regulatory',
    title: 'Regulatory Status',
    clause: APPENDIX_E,
    items: [
      fact(
        'FDA',
        c.fda ? `device class ${c.fda.deviceClass}, pathway ${c.fda.pathway}: ${c.fda.rationale}` : undefined,
        modelField(s, 'classification.fda'),
        { requiredBy: APPENDIX_E, toAdd: 'classification.fda' },
      ),
      fact(
        'EU MDR',
        c.euMdr ? `class ${c.euMdr.rule11Class} (Rule 11)` : undefined,
        modelField(s, 'classification.euMdr'),
        { requiredBy: APPENDIX_E, toAdd: 'classification.euMdr' },
      ),
      statement('Lifecycle status in the registry', s.version.status, [versionField(s, 'status')]),
    ],
  };
}

function description(s: Snapshot): DocumentSection {
  const need = (toAdd: string) => ({ requiredBy: APPENDIX_E, toAdd });
  return {
    id: 'card-description',
    title: 'Description',
    clause: APPENDIX_E,
    items: [
      profileFact(s, 'Intended users', 'intendedUsers', APPENDIX_E),
      fact('Intended use', s.model.intendedUse, modelField(s, 'intended_use'), need('the intended use')),
      profileFact(s, 'Indications for use', 'indications', APPENDIX_E),
      profileFact(s, 'Clinical workflow', 'clinicalWorkflow', APPENDIX_E),
      profileFact(s, 'Model inputs', 'inputs', APPENDIX_E),
      profileFact(s, 'Model outputs', 'outputs', APPENDIX_E),
      profileFact(s, 'Degree of automation', 'automation', APPENDIX_E),
    ],
  };
}

function performance(s: Snapshot): DocumentSection {
  const metrics = metricsOf(s);
  const items: DocumentItem[] = metrics.length
    ? metrics.map(({ e, m }) =>
        statement('Performance', formatMetric(m), [evidenceCitation(e, 'details.metrics')]),
      )
    : [missing('Performance', APPENDIX_E, 'performance evidence with 95% confidence intervals')];
  if (metrics.some(({ m }) => m.ciLower === undefined))
    items.push(missing('Confidence intervals', APPENDIX_E, 'a 95% confidence interval for every metric'));
  items.push(
    fact('Limitations', s.model.limitations, modelField(s, 'limitations'), {
      requiredBy: APPENDIX_E,
      toAdd: 'model limitations',
    }),
    ...evidenceItems(
      s,
      'bias_report',
      'Known biases (subgroup analysis)',
      (e) => `${e.title}${text(e.details['summary']) ? `: ${text(e.details['summary'])}` : ''}`,
      { requiredBy: APPENDIX_E, toAdd: 'bias_report evidence' },
    ),
  );
  return { id: 'card-performance', title: 'Performance and Limitations', clause: APPENDIX_E, items };
}

function risk(s: Snapshot): DocumentSection {
  return {
    id: 'card-risk',
    title: 'Risk Management',
    clause: APPENDIX_E,
    items: evidenceItems(
      s,
      'risk_item',
      'Potential risk',
      (e) =>
        `${text(e.details['hazard'])} → ${text(e.details['harm'])} (residual risk ${text(e.details['residualRisk'])})`,
      { requiredBy: APPENDIX_E, toAdd: 'risk_item evidence' },
    ),
  };
}

function development(s: Snapshot): DocumentSection {
  if (!s.datasets.length)
    return {
      id: 'card-development',
      title: 'Development',
      clause: APPENDIX_E,
      items: [missing('Data characterisation', APPENDIX_E, 'training and test datasets with datasheets')],
    };
  return {
    id: 'card-development',
    title: 'Development',
    clause: APPENDIX_E,
    items: s.datasets.map((d) => {
      const demographics = (d.datasheet['demographics'] ?? {}) as Record<string, unknown>;
      return fact(
        `Data: ${d.name} (${d.splitRole})`,
        text(d.datasheet['provenance'])
          ? `${text(d.datasheet['provenance'])}; sex ${shares(demographics['sex']) ?? 'not stated'}; age ${shares(demographics['age']) ?? 'not stated'}`
          : undefined,
        datasetCitation(d, 'datasheet'),
        { requiredBy: APPENDIX_E, toAdd: `datasheet.provenance of dataset ${d.name}` },
      );
    }),
  };
}

/** The model card with the headings of FDA's Appendix E example. */
export function buildModelCard(s: Snapshot): RegulatoryDocument {
  return {
    kind: 'model-card',
    title: `Model card: ${s.model.displayName} ${s.version.version}`,
    model: s.model.name,
    version: s.version.version,
    sections: [
      deviceInformation(s),
      regulatoryStatus(s),
      description(s),
      performance(s),
      risk(s),
      development(s),
    ],
  };
}

/**
 * The same card as data: one entry per heading, each item with its value (or `missing`) and its
 * citations, plus the performance results as numbers, for systems that read cards.
 */
export function modelCardJson(card: RegulatoryDocument, s: Snapshot, generatedAt: string) {
  return {
    schema: 'praesidium.model-card/1',
    generatedAt,
    model: { name: card.model, version: card.version, manifestSha256: s.version.manifestSha256 },
    sections: card.sections.map((section) => ({
      heading: section.title,
      clause: section.clause,
      items: section.items.map((item) =>
        item.kind === 'missing'
          ? { label: item.label, missing: true, requiredBy: item.requiredBy, toAdd: item.toAdd }
          : { label: item.label, value: item.text, citations: item.citations },
      ),
    })),
    performance: metricsOf(s).map(({ e, m }) => ({
      metric: m.metric,
      subgroup: m.subgroup ?? 'overall',
      value: m.value,
      ...(m.ciLower !== undefined && m.ciUpper !== undefined ? { ci95: [m.ciLower, m.ciUpper] } : {}),
      evidence: { id: e.id, sha256: e.sha256 },
    })),
    completeness: completenessReport(card),
  };
}
