import { Readable } from 'node:stream';
import type { ColumnMapping } from '../bias-report-settings.js';
import { computeBiasReport, type BiasReport } from '../bias-report.js';
import { parseEvaluation } from '../evaluation-parser.js';
import { biasReportCsv } from './report-csv.js';
import { biasReportHtml } from './report-html.js';
import { reportTables } from './report-tables.js';

const mapping: ColumnMapping = { label: 'y', prediction: 'p', score: 's', sensitive: ['site'] };

async function reportWithSites(sites: string[]): Promise<BiasReport> {
  const quoted = (site: string) => `"${site.replaceAll('"', '""')}"`;
  const rows = sites.flatMap((site) => [
    `1,1,0.9,${quoted(site)}`,
    `0,0,0.2,${quoted(site)}`,
    `1,0,0.4,${quoted(site)}`,
  ]);
  const parsed = await parseEvaluation(Readable.from([['y,p,s,site', ...rows].join('\n')]), {
    format: 'csv',
    mapping,
    scoreBins: 1000,
  });
  if (!parsed.valid) throw new Error('invalid');
  return computeBiasReport(
    parsed.table,
    { sha256: parsed.sha256, format: 'csv', bytes: parsed.bytes, rows: parsed.table.rows },
    mapping,
    { bootstrap: { resamples: 50, seed: 1 } },
  );
}

describe('report rendering', () => {
  it('escapes every value from the file in the HTML, charts included, and carries no script', async () => {
    const report = await reportWithSites(['<script>alert(1)</script>', 'a & b']);
    const html = biasReportHtml(report);
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('<svg');
    expect(html).toContain(report.dataset.sha256);
  });

  it('gives the HTML report and the console one set of tables: a cell per metric, intervals, small groups flagged', async () => {
    const report = await reportWithSites(['north', 'south']);
    const tables = reportTables(report);
    expect(tables.metricLabels).toHaveLength(report.metrics.length);
    expect(tables.judgements.map((row) => row.threshold)).toEqual(
      report.judgements.map((judgement) =>
        judgement.rule.max !== undefined ? `≤ ${judgement.rule.max}` : `≥ ${judgement.rule.min}`,
      ),
    );
    const [site] = tables.groupings;
    expect(site.groups.map((group) => [group.key, group.count, group.isSmall])).toEqual([
      ['north', 3, true],
      ['south', 3, true],
    ]);
    expect(site.groups[0].cells).toHaveLength(report.metrics.length + 1);
    expect(
      site.disparities.every((row) =>
        /^(undefined|\d\.\d{3}( \[\d\.\d{3}, \d\.\d{3}\])?)$/.test(row.estimate),
      ),
    ).toBe(true);
    expect(site.charts.length).toBeGreaterThan(0);
  });

  it('writes every number to CSV, guarding text cells against formula injection', async () => {
    const report = await reportWithSites(['=HYPERLINK("x")', 'north']);
    const lines = biasReportCsv(report).split('\r\n');
    expect(lines[0]).toBe('scope,grouping,group,count,statistic,value,lower,upper');
    expect(lines).toContain(
      `overall,,,6,accuracy,${report.overall.metrics.accuracy.value},${report.overall.metrics.accuracy.lower},${report.overall.metrics.accuracy.upper}`,
    );
    expect(lines.some((line) => line.startsWith(`group,site,"'=HYPERLINK(""x"")",3,tpr,`))).toBe(true);
    expect(lines.some((line) => line.startsWith('disparity,site,,,equalizedOddsDifference,'))).toBe(true);
  });
});
