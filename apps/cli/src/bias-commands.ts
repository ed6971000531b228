import { createReadStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  biasReportCsv,
  biasReportHtml,
  biasReportSettingsSchema,
  columnMappingSchema,
  computeBiasReport,
  mappingAndSettingsFromFlags,
  parseEvaluation,
} from '@praesidium/fairness';

export const BIAS_USAGE = `  bias report --input FILE --label COL --prediction COL [--score COL] --sensitive COL[,COL…] --out DIR
              [--format csv|ndjson] [--intersections pairs|all|none|a*b,…] [--resamples N] [--seed N]
              [--confidence 0.95] [--min-group-size N] [--reference GROUPING=GROUP,…]
              [--threshold STATISTIC<=X,STATISTIC>=Y,…]
                                                   write bias-report.json, .html and .csv for an evaluation
                                                   file (no server needed); exit 1 with the first errors by
                                                   line and column if the file does not validate`;

const OPTIONS = {
  input: { type: 'string' },
  format: { type: 'string' },
  label: { type: 'string' },
  prediction: { type: 'string' },
  score: { type: 'string' },
  sensitive: { type: 'string' },
  out: { type: 'string' },
  intersections: { type: 'string' },
  resamples: { type: 'string' },
  seed: { type: 'string' },
  confidence: { type: 'string' },
  'min-group-size': { type: 'string' },
  reference: { type: 'string' },
  threshold: { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];

/** `praesidium bias report …`: the whole report from a file, offline, so anyone can check the numbers. */
export async function runBiasCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'report') return usage();
  let values: Values;
  try {
    values = parseArgs({ args: rest, options: OPTIONS }).values;
  } catch (error) {
    return usage(error instanceof Error ? error.message : String(error));
  }
  if (!values.input || !values.out) return usage('--input and --out are required');
  const flags = mappingAndSettingsFromFlags(values);
  const mapping = columnMappingSchema.safeParse(flags.mapping);
  if (!mapping.success) return usage(`column mapping: ${issuesOf(mapping.error)}`);
  const settings = biasReportSettingsSchema.safeParse(flags.settings);
  if (!settings.success) return usage(`settings: ${issuesOf(settings.error)}`);
  const format =
    values.format ?? (values.input.endsWith('.ndjson') || values.input.endsWith('.jsonl') ? 'ndjson' : 'csv');
  if (format !== 'csv' && format !== 'ndjson') return usage('--format must be csv or ndjson');

  const parsed = await parseEvaluation(createReadStream(values.input, { highWaterMark: 1 << 20 }), {
    format,
    mapping: mapping.data,
    scoreBins: settings.data.scoreBins,
  });
  if (!parsed.valid) {
    console.error(`bias.input_invalid: ${parsed.issueCount} problem(s); the first:`);
    for (const issue of parsed.issues)
      console.error(
        `  line ${issue.line}${issue.column ? `, column ${issue.column}` : ''}: ${issue.message}`,
      );
    return 1;
  }
  let lastShown = -1;
  const report = await computeBiasReport(
    parsed.table,
    {
      sha256: parsed.sha256,
      format,
      bytes: parsed.bytes,
      rows: parsed.table.rows,
      name: path.basename(values.input),
    },
    mapping.data,
    settings.data,
    {
      onProgress: (fraction) => {
        const percent = Math.floor(fraction * 10) * 10;
        if (percent > lastShown) process.stderr.write(`bootstrap ${percent}%\n`);
        lastShown = percent;
      },
    },
  );
  await mkdir(values.out, { recursive: true });
  const files = {
    json: path.join(values.out, 'bias-report.json'),
    html: path.join(values.out, 'bias-report.html'),
    csv: path.join(values.out, 'bias-report.csv'),
  };
  await writeFile(files.json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(files.html, biasReportHtml(report));
  await writeFile(files.csv, biasReportCsv(report));
  console.log(
    JSON.stringify({ verdict: report.verdict, rows: report.overall.count, sha256: parsed.sha256, files }),
  );
  return 0;
}

function issuesOf(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  return error.issues
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}

function usage(problem?: string): number {
  if (problem) console.error(problem);
  console.error(`usage:\n${BIAS_USAGE}`);
  return 2;
}
