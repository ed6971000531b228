import { unzipSync, strFromU8 } from 'fflate';
import { buildDocument, DOCUMENT_KINDS, type DocumentKind } from './bundle.js';
import { completeSnapshot } from './complete-snapshot.fixture.js';
import { completenessReport, type RegulatoryDocument } from './document-model.js';
import { renderDocx } from './docx.js';
import { GMLP_PRINCIPLES } from './gmlp.js';
import { renderHtml, renderMarkdown } from './render.js';
import type { RegistrySnapshot } from './snapshot.js';
import { PACKAGE_LOCK } from './test-lock.fixture.js';

const AT = '2026-11-29T00:00:00.000Z';
type Kind = Exclude<DocumentKind, 'sbom'>;

/**
 * The required headings of each document, in order, as the regulation or guidance lists them
 * (/work/shared/reference/regulatory.md gives the sources). A document must render each of them.
 */
const CHECKLISTS: Record<Kind, readonly string[]> = {
  'fda-aidsf': [
    'V. Device Description',
    'VI.A User Interface',
    'VI.B Labeling',
    'VII. Risk Assessment',
    'VIII. Data Management',
    'IX. Model Description and Development',
    'X. Validation',
    'XI. Device Performance Monitoring',
    'XII. Cybersecurity',
    'XIII. Public Submission Summary',
  ],
  'fda-pccp': ['Description of Modifications', 'Modification Protocol', 'Impact Assessment', 'Traceability'],
  // Premarket cybersecurity guidance §V.A.1 threat modeling, §V.B.2 architecture views, §V.A.4 SBOM,
  // §V.C testing, §VI labeling and management plan.
  'fda-cybersecurity': [
    'Threat model',
    'Security architecture views',
    'Software bill of materials',
    'Cybersecurity testing',
    'Cybersecurity labeling and management plan',
  ],
  // MDR Annex II sections 1–6.
  'eu-mdr-annex-ii': [
    '1. Device description and specification, including variants and accessories',
    '2. Information to be supplied by the manufacturer',
    '3. Design and manufacturing information',
    '4. General safety and performance requirements',
    '5. Benefit-risk analysis and risk management',
    '6. Product verification and validation',
  ],
  // MDR Annex III 1.1 (PMS plan, Art. 84) and 1.2 (PSUR, Art. 86).
  'eu-mdr-annex-iii': [
    '1.1(a) Collection and use of available information',
    '1.1(b) Indicators and threshold values',
    '1.1(b) Methods for assessing data and trend reporting',
    '1.1(b) Corrective actions, communication and traceability',
    '1.1(b) Post-market clinical follow-up plan',
    '1.2 Periodic safety update report data',
  ],
  // AI Act Annex IV points 1–9, then Articles 10, 12, 13, 14 and 15.
  'eu-ai-act-annex-iv': [
    '1. General description of the AI system',
    '2. Detailed description of the elements of the AI system and of the process for its development',
    '3. Monitoring, functioning and control of the AI system',
    '4. Appropriateness of the performance metrics',
    '5. Risk management system',
    '6. Changes made through the lifecycle',
    '7. Harmonised standards and other specifications applied',
    '8. EU declaration of conformity',
    '9. Post-market monitoring system',
    'Article 10: Data and data governance',
    'Article 12: Record-keeping',
    'Article 13: Transparency and provision of information to deployers',
    'Article 14: Human oversight',
    'Article 15: Accuracy, robustness and cybersecurity',
  ],
  // FDA AI-DSF draft guidance Appendix E (example model card).
  'model-card': [
    'Device Information',
    'Regulatory Status',
    'Description',
    'Performance and Limitations',
    'Risk Management',
    'Development',
  ],
  gmlp: GMLP_PRINCIPLES.map((principle, index) => `${index + 1}. ${principle}`),
};

const NEW_KINDS: Kind[] = [
  'fda-cybersecurity',
  'eu-mdr-annex-ii',
  'eu-mdr-annex-iii',
  'eu-ai-act-annex-iv',
  'model-card',
  'gmlp',
];

const build = (kind: Kind, snapshot: RegistrySnapshot = completeSnapshot()) =>
  buildDocument(kind, {
    snapshot,
    lock: PACKAGE_LOCK,
    generatedAt: AT,
    support: { levelOfSupport: 'community', endOfSupport: '2028-12-31' },
  });

const headingsOf = (html: string) => [...html.matchAll(/<h2>([^<]*)<\/h2>/g)].map((match) => match[1] ?? '');
const decode = (html: string) => html.replace(/&#x27;/g, "'").replace(/&amp;/g, '&');

function sectionHtml(html: string, heading: string): string {
  const start = html.indexOf(`<h2>${heading}`);
  return html.slice(start, html.indexOf('</section>', start));
}

describe('every regulatory document', () => {
  it('has a checklist for every kind', () => {
    expect(Object.keys(CHECKLISTS).sort()).toEqual(DOCUMENT_KINDS.filter((kind) => kind !== 'sbom').sort());
  });

  it.each(Object.entries(CHECKLISTS) as [Kind, string[]][])(
    '%s renders its required headings in order and no MISSING marker for complete records',
    (kind, checklist) => {
      const document = build(kind);
      const html = renderHtml(document, AT);
      const headings = headingsOf(html).map(decode);
      expect(headings).toHaveLength(checklist.length + 1);
      checklist.forEach((heading, index) => expect(headings[index]).toContain(heading));
      expect(headings.at(-1)).toBe('Completeness report');
      expect(completenessReport(document)).toEqual([]);
      expect(html).not.toContain('MISSING');
      const markdown = renderMarkdown(document, AT);
      expect(markdown).not.toContain('MISSING');
      for (const item of document.sections.flatMap((section) => section.items))
        if (item.kind === 'statement') expect(item.citations.length).toBeGreaterThan(0);
    },
  );
});

/** A record taken away, the section and label its gap must appear under. */
const REMOVALS: [Kind, string, (s: RegistrySnapshot) => RegistrySnapshot, string, string][] = [
  [
    'eu-mdr-annex-ii',
    'the Rule 11 classification',
    (s) => ({ ...s, model: { ...s.model, classification: { ...s.model.classification, euMdr: undefined } } }),
    '1. Device description and specification, including variants and accessories',
    'Risk class and Rule 11 rationale',
  ],
  [
    'eu-mdr-annex-ii',
    'the risk items',
    (s) => ({ ...s, evidence: s.evidence.filter((e) => e.kind !== 'risk_item') }),
    '4. General safety and performance requirements',
    'GSPR 3 (risk management system)',
  ],
  [
    'eu-mdr-annex-ii',
    'the clinical evaluation',
    (s) => ({ ...s, evidence: s.evidence.filter((e) => !e.title.startsWith('Clinical evaluation')) }),
    '6. Product verification and validation',
    'Clinical evaluation',
  ],
  [
    'eu-mdr-annex-iii',
    'the performance observations',
    (s) => ({
      ...s,
      monitoring: { ...s.monitoring, performanceObservations: 0, performanceSeries: [] },
    }),
    '1.1(b) Indicators and threshold values',
    'Performance floors',
  ],
  [
    'eu-mdr-annex-iii',
    'the performance observations (PSUR)',
    (s) => ({
      ...s,
      monitoring: { ...s.monitoring, performanceObservations: 0, performanceSeries: [] },
    }),
    '1.2 Periodic safety update report data',
    'Performance by period',
  ],
  [
    'eu-mdr-annex-iii',
    'the vigilance procedure',
    (s) => ({ ...s, evidence: s.evidence.filter((e) => !e.title.startsWith('Vigilance')) }),
    '1.1(a) Collection and use of available information',
    'Serious incidents, field safety corrective actions and complaints',
  ],
  [
    'eu-ai-act-annex-iv',
    'the declaration of conformity',
    (s) => ({ ...s, evidence: s.evidence.filter((e) => !e.title.startsWith('Declaration of conformity')) }),
    '8. EU declaration of conformity',
    'EU declaration of conformity',
  ],
  [
    'eu-ai-act-annex-iv',
    'the bias report',
    (s) => ({ ...s, evidence: s.evidence.filter((e) => e.kind !== 'bias_report') }),
    'Article 10: Data and data governance',
    'Examination of possible biases',
  ],
  [
    'eu-ai-act-annex-iv',
    'the lifecycle records',
    (s) => ({ ...s, transitions: [], signatures: [] }),
    'Article 12: Record-keeping (the audit trail)',
    'Release record',
  ],
  [
    'fda-cybersecurity',
    'the threat model',
    (s) => ({ ...s, evidence: s.evidence.filter((e) => !e.title.startsWith('Threat model')) }),
    'Threat model',
    'Threat model of the device',
  ],
  [
    'fda-cybersecurity',
    'the security test report',
    (s) => ({ ...s, evidence: s.evidence.filter((e) => e.kind !== 'test_report') }),
    'Cybersecurity testing',
    'Security test of the model interface',
  ],
  [
    'model-card',
    'the performance evidence',
    (s) => ({ ...s, evidence: s.evidence.filter((e) => e.kind !== 'performance') }),
    'Performance and Limitations',
    'Performance',
  ],
  [
    'model-card',
    'the FDA classification',
    (s) => ({ ...s, model: { ...s.model, classification: { ...s.model.classification, fda: undefined } } }),
    'Regulatory Status',
    'FDA',
  ],
  [
    'gmlp',
    'the test dataset',
    (s) => ({ ...s, datasets: s.datasets.filter((d) => d.splitRole !== 'test') }),
    '4. Training data sets are independent of test sets',
    'Independence of test data',
  ],
  [
    'gmlp',
    'the signatures',
    (s) => ({ ...s, signatures: [] }),
    '1. Multi-disciplinary expertise is leveraged throughout the total product life cycle',
    'Sign-off by distinct disciplines',
  ],
];

describe('a removed record', () => {
  it.each(REMOVALS)(
    '%s without %s: the marker in place and the completeness entry',
    (kind, _, remove, section, label) => {
      const document = build(kind, remove(completeSnapshot()));
      expect(completenessReport(document)).toContainEqual(expect.objectContaining({ section, label }));
      const html = decode(renderHtml(document, AT));
      expect(sectionHtml(html, section)).toContain(`MISSING: ${label}`);
    },
  );

  it('covers every new document kind', () => {
    expect(new Set(REMOVALS.map(([kind]) => kind))).toEqual(new Set(NEW_KINDS));
  });

  it('says in the cybersecurity document when level and end of support are not configured', () => {
    const document = buildDocument('fda-cybersecurity', {
      snapshot: completeSnapshot(),
      lock: PACKAGE_LOCK,
      generatedAt: AT,
    });
    expect(completenessReport(document)).toEqual([
      expect.objectContaining({
        section: 'Software bill of materials',
        label: 'Level of support and end of support',
      }),
    ]);
  });
});

describe('content of the EU and FDA documents', () => {
  it('states the Rule 11 class with its rationale, and the single technical documentation', () => {
    const mdr = renderHtml(build('eu-mdr-annex-ii'), AT);
    expect(decode(mdr)).toContain(
      'Class IIa. Rule 11: software intended to provide information which is used to take decisions',
    );
    const ai = decode(renderHtml(build('eu-ai-act-annex-iv'), AT));
    expect(ai).toContain('Art. 11(2)');
    expect(ai).toContain('single set of technical documentation');
    expect(ai).toContain('append-only audit trail');
  });

  it('lists the PSUR data from the monitoring records with their thresholds', () => {
    const html = decode(renderHtml(build('eu-mdr-annex-iii'), AT));
    expect(html).toContain('auroc [overall] ≥ 0.75');
    expect(html).toContain('PSI warn ≥ 0.1, alert ≥ 0.25');
    expect(html).toContain('Period 2026-09-01 to 2026-10-01');
    expect(html).toContain('registry.performance_observation 00000000-0000-4000-8000-000000000041 · result');
  });

  it('reports each scheduled period once, and a review on request of the same span apart, marked', () => {
    const s = completeSnapshot();
    const span = { periodStart: '2026-11-02T00:00:00.000Z', periodEnd: '2026-11-09T00:00:00.000Z' };
    const figures = {
      source: 'clinician-feedback',
      metrics: [{ metric: 'feedback_acceptance_rate', subgroup: 'overall', value: 0.6 }],
      floors: [{ metric: 'feedback_acceptance_rate', subgroup: 'overall', minimum: 0.7 }],
      breaches: [{ metric: 'feedback_acceptance_rate', subgroup: 'overall', minimum: 0.7, observed: 0.6 }],
    };
    const withReview: RegistrySnapshot = {
      ...s,
      monitoring: {
        ...s.monitoring,
        performanceObservations: 4,
        performanceAlerts: 3,
        scheduledPeriods: 2,
        scheduledAlerts: 2,
        performanceSeries: [
          ...(s.monitoring.performanceSeries ?? []),
          {
            id: '00000000-0000-4000-8000-000000000061',
            ...span,
            ...figures,
            recording: 'schedule',
            schedule: { period: 'week', isTransition: false },
            recordedBy: 'system:feedback-schedule',
          },
          {
            id: '00000000-0000-4000-8000-000000000062',
            ...span,
            ...figures,
            recording: 'request',
            recordedBy: 'ra.officer',
          },
          {
            id: '00000000-0000-4000-8000-000000000063',
            periodStart: '2026-11-09T00:00:00.000Z',
            periodEnd: '2026-12-01T00:00:00.000Z',
            ...figures,
            recording: 'schedule',
            schedule: { period: 'month', isTransition: true },
            recordedBy: 'system:feedback-schedule',
          },
        ],
      },
    };
    const html = decode(renderHtml(build('eu-mdr-annex-iii', withReview), AT));
    const psur = decode(sectionHtml(html, '1.2 Periodic safety update report data'));
    const labels = [...psur.matchAll(/<strong>(Period [^<]*):<\/strong>/g)].map((match) => match[1]);
    // The schedule's series first, each period once; then what was recorded on request, marked.
    expect(labels).toEqual([
      'Period 2026-11-02 to 2026-11-09',
      'Period 2026-11-09 to 2026-12-01 (transition period)',
      'Period 2026-09-01 to 2026-10-01, recorded on request',
      'Period 2026-11-02 to 2026-11-09, recorded on request',
    ]);
    expect(psur).toContain(
      "Recorded on request by ra.officer, not as one of the schedule's periods. Source clinician-feedback",
    );
    expect(psur).toContain('Recorded by the feedback schedule (period week). Source clinician-feedback');
    expect(psur).toContain(
      "3 alert(s) on record (2 in the schedule's periods, 1 in performance observations recorded on request, 0 in drift checks)",
    );
    expect(html).toContain(
      '2 period(s) recorded by the feedback schedule and 2 performance observation(s) recorded on request',
    );
    const fda = decode(renderHtml(build('fda-aidsf', withReview), AT));
    expect(fda).toContain(
      '2 period(s) recorded by the feedback schedule (2 alert(s)) and 2 performance observation(s) recorded on request (1 alert(s))',
    );
  });

  it('holds clinicians’ feedback to the floors declared for the version in the PMS plan, citing the revision', () => {
    const s = completeSnapshot();
    const withDeclaredFloors: RegistrySnapshot = {
      ...s,
      monitoring: {
        ...s.monitoring,
        performanceObservations: 0,
        performanceSeries: [],
        declaredFeedbackFloors: {
          id: '00000000-0000-4000-8000-000000000077',
          revision: 2,
          declaredAt: '2026-11-01T09:00:00.000Z',
          declaredBy: 'kai.nakamura',
          floors: [{ metric: 'feedback_acceptance_rate', subgroup: 'overall', minimum: 0.8 }],
        },
      },
    };
    const document = build('eu-mdr-annex-iii', withDeclaredFloors);
    // Declared floors are the plan's threshold values even before a period is recorded.
    expect(completenessReport(document).map((entry) => entry.label)).not.toContain('Performance floors');
    const html = decode(sectionHtml(renderHtml(document, AT), '1.1(b) Indicators and threshold values'));
    expect(html).toContain('revision 2, 2026-11-01, by kai.nakamura');
    expect(html).toContain('feedback_acceptance_rate [overall] ≥ 0.8');
    expect(html).toContain('registry.feedback_floor_revision 00000000-0000-4000-8000-000000000077 · floors');
  });

  it('names each AI threat and the platform’s own security tests', () => {
    const html = decode(renderHtml(build('fda-cybersecurity'), AT));
    for (const threat of ['Data poisoning', 'Model inversion', 'Evasion', 'Data leakage'])
      expect(html).toContain(`AI threat: ${threat}`);
    expect(html).toContain('test/attacks/owasp-api-top10.test.ts');
    for (const view of [
      'Global system view',
      'Multi-patient harm view',
      'Updateability and patchability view',
      'Security use case views',
    ])
      expect(html).toContain(view);
  });
});

describe('escaping and the template sandbox', () => {
  const hostile = '<script>alert(1)</script><img src=x onerror=alert(2)>{{constructor}}';
  const hostileSnapshot = (): RegistrySnapshot => {
    const s = completeSnapshot();
    return {
      ...s,
      model: {
        ...s.model,
        name: `evil${hostile}`,
        displayName: hostile,
        limitations: `[x](javascript:alert(1)) ${hostile}`,
      },
    };
  };

  it.each(NEW_KINDS)('%s escapes a hostile model name in HTML, Markdown and DOCX', async (kind) => {
    const document: RegulatoryDocument = build(kind, hostileSnapshot());
    const html = renderHtml(document, AT);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;');
    const markdown = renderMarkdown(document, AT);
    expect(markdown).not.toContain('<script>');
    expect(markdown).not.toContain('[x](javascript');
    const xml = strFromU8(unzipSync(await renderDocx(document, AT))['word/document.xml'] ?? new Uint8Array());
    expect(xml).not.toContain('<script>');
    expect(xml).toContain('&lt;script&gt;');
  });
});
