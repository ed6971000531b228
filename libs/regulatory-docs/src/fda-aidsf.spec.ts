import { completeSnapshot } from './complete-snapshot.fixture.js';
import { completenessReport } from './document-model.js';
import { buildFdaAidsf } from './fda-aidsf.js';
import { renderHtml, renderMarkdown } from './render.js';
import type { RegistrySnapshot } from './snapshot.js';

/** Sections V–XIII of the guidance, in the order of its table of contents. */
const FDA_AIDSF_HEADINGS = [
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
];
const AT = '2026-11-29T00:00:00.000Z';

function headingsOf(html: string): string[] {
  return [...html.matchAll(/<h2>([^<]*)<\/h2>/g)].map((match) => match[1] ?? '');
}

describe('the FDA AI-DSF document', () => {
  it('renders every section of the guidance in order, with no MISSING marker for complete records', () => {
    const document = buildFdaAidsf(completeSnapshot());
    const html = renderHtml(document, AT);
    const headings = headingsOf(html);
    FDA_AIDSF_HEADINGS.forEach((heading, index) => expect(headings[index]).toContain(heading));
    expect(headings.at(-1)).toBe('Completeness report');
    expect(completenessReport(document)).toEqual([]);
    expect(html).not.toContain('MISSING');
    expect(html).toContain('Every required section and field is filled from the registry.');
  });

  it('cites a registry record (id and field) or a hash for every statement', () => {
    const snapshot = completeSnapshot();
    const document = buildFdaAidsf(snapshot);
    const statements = document.sections.flatMap((section) => section.items);
    expect(statements.length).toBeGreaterThan(40);
    for (const item of statements) {
      expect(item.kind).toBe('statement');
      if (item.kind === 'statement') expect(item.citations.length).toBeGreaterThan(0);
    }
    const html = renderHtml(document, AT);
    expect(html).toContain(`registry.model ${snapshot.model.id} · intended_use`);
    expect(html).toContain(
      `registry.evidence ${snapshot.evidence[0]?.id} · details.metrics · sha256:${'f'.repeat(64)}`,
    );
    expect(html).toContain('auroc [sex&#x3D;female] &#x3D; 0.8 (95% CI 0.74–0.86)');
  });

  it.each<[string, (s: RegistrySnapshot) => RegistrySnapshot, string, string]>([
    [
      'the risk items',
      (s) => ({ ...s, evidence: s.evidence.filter((e) => e.kind !== 'risk_item') }),
      'VII. Risk Assessment',
      'Risk item',
    ],
    [
      'the test dataset',
      (s) => ({ ...s, datasets: s.datasets.filter((d) => d.splitRole !== 'test') }),
      'VIII. Data Management',
      'test dataset',
    ],
    [
      'the profile inputs',
      (s) => ({ ...s, model: { ...s.model, profile: { ...s.model.profile, inputs: undefined } } }),
      'V. Device Description',
      'Model inputs',
    ],
    [
      'the architecture',
      (s) => ({
        ...s,
        version: { ...s.version, manifest: { ...s.version.manifest, architecture: undefined } },
      }),
      'IX. Model Description and Development',
      'Architecture',
    ],
    [
      'the monitoring',
      (s) => ({
        ...s,
        monitoring: {
          driftChecks: 0,
          driftAlerts: 0,
          performanceObservations: 0,
          performanceAlerts: 0,
          scheduledPeriods: 0,
          scheduledAlerts: 0,
        },
      }),
      'XI. Device Performance Monitoring',
      'Monitoring record',
    ],
    [
      'the threat model',
      (s) => ({ ...s, evidence: s.evidence.filter((e) => !e.title.startsWith('Threat model')) }),
      'XII. Cybersecurity',
      'AI threat model',
    ],
  ])('without %s, marks the gap in place and in the completeness report', (_, remove, section, label) => {
    const document = buildFdaAidsf(remove(completeSnapshot()));
    const gaps = completenessReport(document);
    expect(gaps).toContainEqual(expect.objectContaining({ section, label }));
    expect(gaps.every((gap) => gap.requiredBy.includes('FDA AI-enabled device software functions'))).toBe(
      true,
    );
    const html = renderHtml(document, AT);
    const sectionHtml = html.slice(
      html.indexOf(`<h2>${section}`),
      html.indexOf('</section>', html.indexOf(`<h2>${section}`)),
    );
    expect(sectionHtml).toContain(`MISSING: ${label}`);
  });

  it('reports metrics without confidence intervals and without subgroups', () => {
    const snapshot = completeSnapshot();
    const document = buildFdaAidsf({
      ...snapshot,
      evidence: snapshot.evidence.map((e) =>
        e.kind === 'performance'
          ? { ...e, details: { metrics: [{ metric: 'auroc', subgroup: 'overall', value: 0.8 }] } }
          : e,
      ),
    });
    const labels = completenessReport(document).map((gap) => gap.label);
    expect(labels).toEqual(expect.arrayContaining(['Subgroup results', 'Confidence intervals']));
  });

  it('escapes a hostile model name in HTML and Markdown', () => {
    const snapshot = completeSnapshot();
    const hostile = '<script>alert(1)</script>';
    const document = buildFdaAidsf({
      ...snapshot,
      model: { ...snapshot.model, displayName: hostile, intendedUse: `[x](javascript:alert(1)) ${hostile}` },
    });
    const html = renderHtml(document, AT);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
    const markdown = renderMarkdown(document, AT);
    expect(markdown).not.toContain('<script>');
    expect(markdown).not.toContain('[x](javascript');
  });

  it('renders the same content from the same records', () => {
    const first = renderHtml(buildFdaAidsf(completeSnapshot()), AT);
    expect(renderHtml(buildFdaAidsf(completeSnapshot()), AT)).toBe(first);
  });

  it('renders Markdown with every section and the completeness table', () => {
    const snapshot = completeSnapshot();
    const markdown = renderMarkdown(buildFdaAidsf({ ...snapshot, changeControlPlan: null }), AT);
    const headings = markdown.split('\n').filter((line) => line.startsWith('## '));
    expect(headings).toHaveLength(FDA_AIDSF_HEADINGS.length + 1);
    expect(markdown).toContain('**MISSING: Update plan**');
    expect(markdown).toContain('| XI\\. Device Performance Monitoring | Update plan |');
  });
});
