import { completeSnapshot, PLAN } from './complete-snapshot.fixture.js';
import { completenessReport } from './document-model.js';
import { buildFdaPccp } from './fda-pccp.js';
import { renderHtml } from './render.js';

/** The sections of a PCCP as the final guidance (Dec 2024) lists them, in order. */
const PCCP_HEADINGS = [
  'Description of Modifications',
  'Modification Protocol',
  'Impact Assessment',
  'Traceability',
];
const AT = '2026-11-29T00:00:00.000Z';

describe('the FDA PCCP document', () => {
  it('renders the plan with its traceability from each modification to protocol and evidence', () => {
    const snapshot = completeSnapshot();
    const document = buildFdaPccp(snapshot);
    expect(completenessReport(document)).toEqual([]);
    const html = renderHtml(document, AT);
    const headings = [...html.matchAll(/<h2>([^<]*)<\/h2>/g)].map((match) => match[1]);
    expect(headings).toEqual([...PCCP_HEADINGS, 'Completeness report']);
    expect(html).toContain('M1 → evidence (version 1.1.0):</strong> Meets its acceptance criteria');
    expect(html).toContain(`registry.evidence ${snapshot.evidence[0]?.id} · details.metrics`);
    expect(html).toContain(
      'registry.change_control_plan 00000000-0000-4000-8000-000000000030 · protocol.retraining',
    );
  });

  it('says when a criterion fails on the evidence', () => {
    const snapshot = completeSnapshot();
    const strict = {
      ...PLAN,
      modifications: [
        {
          ...PLAN.modifications[0],
          acceptanceCriteria: [
            { metric: 'auroc', subgroup: 'overall', minimum: 0.9, onConfidenceBound: false },
          ],
        },
      ],
    };
    const html = renderHtml(
      buildFdaPccp({ ...snapshot, changeControlPlan: { ...snapshot.changeControlPlan!, plan: strict } }),
      AT,
    );
    expect(html).toContain('Does not meet its acceptance criteria: auroc [overall] observed 0.81 (fail)');
  });

  it('marks every section missing without a plan, and a declared modification without evidence', () => {
    const snapshot = completeSnapshot();
    const withoutPlan = completenessReport(buildFdaPccp({ ...snapshot, changeControlPlan: null }));
    expect(withoutPlan.map((gap) => gap.section)).toEqual(PCCP_HEADINGS);
    const withoutEvidence = completenessReport(
      buildFdaPccp({ ...snapshot, evidence: snapshot.evidence.filter((e) => e.kind !== 'performance') }),
    );
    expect(withoutEvidence).toEqual([
      expect.objectContaining({ section: 'Traceability', label: 'M1 → evidence' }),
    ]);
  });
});
