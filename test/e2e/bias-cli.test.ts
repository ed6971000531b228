import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const CLI = path.resolve('bin/praesidium.js');

function praesidium(
  args: string[],
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        cwd,
        timeout: 30_000,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: cwd,
          PRAESIDIUM_DATA_DIR: cwd,
          PRAESIDIUM_LOG_LEVEL: 'error',
        },
      },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

function evaluationNdjson(): string {
  const rows: string[] = [];
  for (let i = 0; i < 300; i++) {
    const label = i % 4 === 0 ? 1 : 0;
    const score = label ? 0.6 + (i % 30) / 100 : 0.1 + (i % 45) / 100;
    rows.push(
      JSON.stringify({ y: label, yhat: score >= 0.5, p: score, sex: i % 2 ? 'F' : 'M', device: `d${i % 3}` }),
    );
  }
  return `${rows.join('\n')}\n`;
}

describe('praesidium bias report (offline, no server)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'praesidium-bias-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const args = (input: string, out: string) => [
    'bias',
    'report',
    '--input',
    input,
    '--label',
    'y',
    '--prediction',
    'yhat',
    '--score',
    'p',
    '--sensitive',
    'sex,device',
    '--out',
    out,
    '--resamples',
    '300',
    '--seed',
    '11',
  ];

  it('writes the JSON, HTML and CSV report, the same numbers on every run', async () => {
    const input = path.join(dir, 'evaluation.ndjson');
    const text = evaluationNdjson();
    await writeFile(input, text);
    const first = await praesidium(args(input, path.join(dir, 'one')), dir);
    expect(first.stderr).toContain('bootstrap 100%');
    expect(first.code).toBe(0);
    const summary = JSON.parse(first.stdout.trim()) as { verdict: string; rows: number; sha256: string };
    expect(summary).toMatchObject({ rows: 300, sha256: createHash('sha256').update(text).digest('hex') });
    const report = JSON.parse(await readFile(path.join(dir, 'one', 'bias-report.json'), 'utf8')) as {
      groupings: { name: string; disparities: Record<string, { value: number | null }> }[];
      dataset: { sha256: string };
      settings: { bootstrap: { seed: number; resamples: number } };
    };
    expect(report.groupings.map((grouping) => grouping.name)).toEqual(['sex', 'device', 'sex × device']);
    expect(report.settings.bootstrap).toMatchObject({ seed: 11, resamples: 300 });
    const html = await readFile(path.join(dir, 'one', 'bias-report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).not.toContain('<script');
    const csv = await readFile(path.join(dir, 'one', 'bias-report.csv'), 'utf8');
    expect(csv.split('\r\n')[0]).toBe('scope,grouping,group,count,statistic,value,lower,upper');

    const second = await praesidium(args(input, path.join(dir, 'two')), dir);
    expect(second.code).toBe(0);
    expect(await readFile(path.join(dir, 'two', 'bias-report.json'), 'utf8')).toBe(
      await readFile(path.join(dir, 'one', 'bias-report.json'), 'utf8'),
    );
  });

  it('exits 1 with the first errors by line and column for a malformed file, writing nothing', async () => {
    const input = path.join(dir, 'bad.ndjson');
    await writeFile(
      input,
      '{"y":1,"yhat":1,"p":0.5,"sex":"F","device":"a"}\n{"y":3,"yhat":1,"p":0.5,"sex":"F","device":"a"}\n',
    );
    const run = await praesidium(args(input, path.join(dir, 'bad')), dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('line 2, column y: expected 0 or 1');
    await expect(readFile(path.join(dir, 'bad', 'bias-report.json'))).rejects.toThrow();
  });

  it('exits 2 with the usage when the mapping is incomplete', async () => {
    const run = await praesidium(['bias', 'report', '--input', 'x.csv', '--out', dir, '--label', 'y'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('usage:');
  });
});
