import Handlebars from 'handlebars';
import type { BiasReport } from '../bias-report.js';
import { reportTables } from './report-tables.js';

const TEMPLATE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bias report {{dataset.sha256short}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#222;line-height:1.4}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.85rem}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
.pass{background:#dff0d8}.concern{background:#fcf8e3}.fail{background:#f2dede}.muted{fill:#888;color:#888}
.verdict{display:inline-block;padding:.3rem .8rem;border-radius:4px;font-weight:bold;text-transform:uppercase}
.chart-title{font-weight:bold;font-size:12px}.charts{display:flex;flex-wrap:wrap;gap:1rem}code{font-size:.8rem;word-break:break-all}
</style></head><body>
<h1>Bias report</h1>
<p>Verdict: <span class="verdict {{verdict}}">{{verdict}}</span> — {{overall.count}} rows, dataset SHA-256 <code>{{dataset.sha256}}</code></p>
<h2>Summary</h2>
<ul>{{#each summary}}<li>{{this}}</li>{{/each}}</ul>
<h2>Judgements against the policy</h2>
<table><tr><th>Grouping</th><th>Statistic</th><th>Value [interval]</th><th>Threshold</th><th>Outcome</th><th>Reasoning</th></tr>
{{#each judgements}}<tr class="{{outcome}}"><td>{{grouping}}</td><td>{{statistic}}</td><td>{{estimate}}</td><td>{{threshold}}</td><td>{{outcome}}</td><td>{{reasoning}}</td></tr>{{/each}}
</table>
{{#each groupings}}
<h2>{{name}}</h2>
<p>Reference group: <strong>{{referenceGroup}}</strong>{{#if smallGroups.length}}. Small groups (fewer than {{../minGroupSize}} rows, ⚠): {{#each smallGroups}}{{this}}{{#unless @last}}, {{/unless}}{{/each}}{{/if}}{{#if fourFifths.length}}. Below four fifths of the highest selection rate: {{#each fourFifths}}{{this}}{{#unless @last}}, {{/unless}}{{/each}}{{/if}}.</p>
<table><tr><th>Disparity</th><th>Value [interval]</th></tr>{{#each disparities}}<tr><td>{{name}}</td><td>{{estimate}}</td></tr>{{/each}}</table>
<div class="charts">{{#each charts}}{{{this}}}{{/each}}</div>
<table><tr><th>Group</th><th>Rows</th>{{#each ../metricLabels}}<th>{{this}}</th>{{/each}}<th>Disparate impact</th></tr>
{{#each groups}}<tr><td>{{key}}{{#if isSmall}} ⚠{{/if}}</td><td>{{count}}</td>{{#each cells}}<td>{{this}}</td>{{/each}}</tr>{{/each}}
</table>
{{/each}}
<h2>Reproducing this report</h2>
<p>Dataset: {{dataset.format}}, {{dataset.bytes}} bytes, {{dataset.rows}} rows, SHA-256 <code>{{dataset.sha256}}</code>. Run
<code>npx praesidium bias report</code> on the same file with the settings below (the bootstrap is seeded) to get the same numbers.</p>
<pre>{{settingsJson}}</pre>
<h2>Sign-off</h2>
<p>Ethics-board comments and the electronic signature (21 CFR Part 11) are recorded with the model version in the registry, bound to this report's SHA-256.</p>
</body></html>`;

const render = Handlebars.compile(TEMPLATE, { strict: true });

/** The report as one self-contained HTML page: text escaped by Handlebars, charts as inline SVG, no script. */
export function biasReportHtml(report: BiasReport): string {
  return render({
    verdict: report.verdict,
    overall: report.overall,
    dataset: { ...report.dataset, sha256short: report.dataset.sha256.slice(0, 12) },
    summary: report.summary,
    minGroupSize: report.settings.minGroupSize,
    ...reportTables(report),
    settingsJson: JSON.stringify({ mapping: report.mapping, settings: report.settings }, null, 2),
  });
}
