/**
 * The consent step of the gateway: what does a decision cost with a warm cache, and how many can one
 * process make per second?
 *
 * Setup: an embedded PGlite in a temporary directory (migrated), PATIENTS patients with one to three
 * FHIR consents each (nested exceptions, periods, actors, classes; some revoked), recorded through
 * `ConsentService.recordConsent` as the API does. Every patient is decided once to warm the cache.
 *
 * Measurements (latency distributions of single operations, µs, timed with process.hrtime.bigint()):
 *   engine_only          `decideConsent` on a patient's records: the pure algorithm
 *   pseudonymize         the keyed HMAC of the patient reference the gateway computes first
 *   decision_cached      `ConsentService.decide(pseudonym, question)` with a warm cache: cache lookup + engine
 *   consent_step_cached  pseudonymize + decide: the whole consent step of an inference (the summary's figure)
 *   decision_uncached    the same decision read from the database (cache off), for comparison
 * Then `throughput`: consent steps completed per second, one after another, over THROUGHPUT_SECONDS.
 *
 * Output: one JSON line per measurement, then a summary line: median_us and p99_us of the cached consent
 * step, throughput_per_s, and whether the goal (p99 ≤ 50 µs cached) is met. BENCH_PATIENTS (1000),
 * BENCH_ITERATIONS (100000), BENCH_UNCACHED_ITERATIONS (2000) and BENCH_THROUGHPUT_SECONDS (3) bound the work.
 *
 * Run with `npm run bench:consent`.
 */
import 'reflect-metadata';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '@praesidium/config';
import {
  ConsentCache,
  ConsentVersionEntity,
  createConsentService,
  decideConsent,
  SourceDocumentEntity,
  type ConsentQuestion,
  type ConsentRecord,
  type ConsentService,
} from '@praesidium/consent';
import { dataSourceOptions, EmbeddedPostgres, openDataSource, runMigrations } from '@praesidium/database';
import { KeyStore, Pseudonymizer } from '@praesidium/keys';
import { positiveInt, print, summarizeLatencies } from './support/stats.js';

const PATIENTS = positiveInt(process.env.BENCH_PATIENTS, 1000);
const ITERATIONS = positiveInt(process.env.BENCH_ITERATIONS, 100_000);
const UNCACHED_ITERATIONS = positiveInt(process.env.BENCH_UNCACHED_ITERATIONS, 2000);
const THROUGHPUT_SECONDS = positiveInt(process.env.BENCH_THROUGHPUT_SECONDS, 3);
const GOAL_P99_US = 50;
const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';

async function main(): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'praesidium-consent-bench-'));
  const host = await EmbeddedPostgres.start(dataDir);
  const dataSource = await openDataSource(
    dataSourceOptions(host.connection, [ConsentVersionEntity, SourceDocumentEntity], 4),
  );
  try {
    await runMigrations(dataSource);
    const config = loadConfig({
      NODE_ENV: 'test',
      PRAESIDIUM_DATA_DIR: dataDir,
      PRAESIDIUM_CONSENT_DEFAULT_PERMIT: 'TREAT',
    });
    const keyStore = await KeyStore.openOrCreate(dataDir);
    const warm = createConsentService(dataSource, keyStore, config, new ConsentCache(3_600_000));
    const cold = createConsentService(dataSource, keyStore, config);
    const pseudonymizer = new Pseudonymizer(keyStore.secret('pseudonym'));

    const patients = Array.from({ length: PATIENTS }, (_, index) => `Patient/bench-${index}`);
    await seed(warm, patients);
    const pseudonyms = patients.map((patient) => pseudonymizer.pseudonymize(patient));
    const questions = patients.map((_, index) => questionFor(index));
    for (const [index, pseudonym] of pseudonyms.entries()) await warm.decide(pseudonym, questions[index]);
    const records = await Promise.all(
      patients.map(async (patient) => (await cold.listForPatient(patient)).map(toRecord)),
    );
    const decisions = await checkAgreement(warm, cold, pseudonyms, questions);
    print({
      setup: { patients: PATIENTS, consents: records.reduce((n, r) => n + r.length, 0), ...decisions },
    });

    const order = Array.from({ length: ITERATIONS }, (_, i) => (i * 7919) % PATIENTS);
    const engine = await measure(ITERATIONS, async (i) => {
      const p = order[i];
      decideConsent(records[p], questions[p], config.consent.defaultPermit);
    });
    print({ measurement: 'engine_only', ...engine });
    print({
      measurement: 'pseudonymize',
      ...(await measure(ITERATIONS, async (i) => void pseudonymizer.pseudonymize(patients[order[i]]))),
    });
    print({
      measurement: 'decision_cached',
      ...(await measure(
        ITERATIONS,
        async (i) => void (await warm.decide(pseudonyms[order[i]], questions[order[i]])),
      )),
    });
    const step = await measure(ITERATIONS, async (i) => {
      const p = order[i];
      await warm.decide(pseudonymizer.pseudonymize(patients[p]), questions[p]);
    });
    print({ measurement: 'consent_step_cached', ...step });
    print({
      measurement: 'decision_uncached',
      ...(await measure(
        UNCACHED_ITERATIONS,
        async (i) => void (await cold.decide(pseudonyms[order[i]], questions[order[i]])),
      )),
    });

    let completed = 0;
    const started = process.hrtime.bigint();
    const deadline = started + BigInt(THROUGHPUT_SECONDS) * 1_000_000_000n;
    while (process.hrtime.bigint() < deadline) {
      for (let k = 0; k < 1000; k += 1, completed += 1) {
        const p = order[completed % ITERATIONS];
        await warm.decide(pseudonymizer.pseudonymize(patients[p]), questions[p]);
      }
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const throughput = Math.round(completed / seconds);
    print({
      measurement: 'throughput',
      decisions: completed,
      seconds: Math.round(seconds * 100) / 100,
      per_s: throughput,
    });

    print({
      summary: 'consent decision, warm cache (pseudonymize + cache + engine)',
      median_us: step.p50_us,
      p99_us: step.p99_us,
      throughput_per_s: throughput,
      goal_p99_us: GOAL_P99_US,
      meets_goal: step.p99_us <= GOAL_P99_US,
    });
  } finally {
    await dataSource.destroy();
    await host.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Latencies of `runs` sequential operations, after a warm-up of a tenth as many. */
async function measure(runs: number, operation: (i: number) => Promise<void>) {
  for (let i = 0; i < Math.ceil(runs / 10); i += 1) await operation(i % runs);
  const samples = new Float64Array(runs);
  const started = process.hrtime.bigint();
  for (let i = 0; i < runs; i += 1) {
    const before = process.hrtime.bigint();
    await operation(i);
    samples[i] = Number(process.hrtime.bigint() - before) / 1000;
  }
  return summarizeLatencies(samples, Number(process.hrtime.bigint() - started) / 1e6);
}

/** Every cached decision must equal the one read from the database, before anything is timed. */
async function checkAgreement(
  warm: ConsentService,
  cold: ConsentService,
  pseudonyms: readonly string[],
  questions: readonly ConsentQuestion[],
) {
  let permits = 0;
  for (const [index, pseudonym] of pseudonyms.entries()) {
    const [a, b] = [
      await warm.decide(pseudonym, questions[index]),
      await cold.decide(pseudonym, questions[index]),
    ];
    if (JSON.stringify(a) !== JSON.stringify(b))
      throw new Error(`cached and stored decisions differ for patient ${index}`);
    if (a.decision === 'permit') permits += 1;
  }
  return { permits, denials: pseudonyms.length - permits };
}

async function seed(consents: ConsentService, patients: readonly string[]): Promise<void> {
  for (const [index, patient] of patients.entries()) {
    for (let n = 0; n <= index % 3; n += 1) {
      const recorded = await consents.recordConsent(consentFor(patient, index + n), { recordedBy: 'bench' });
      if ((index + n) % 11 === 0)
        await consents.revokeConsent(recorded.consentId, patient, { recordedBy: 'bench' });
    }
  }
}

function consentFor(patient: string, variant: number) {
  const purpose = (code: string) => [{ system: ACT_REASON, code }];
  return {
    resourceType: 'Consent',
    status: 'active',
    scope: { coding: [{ code: 'treatment' }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    patient: { reference: patient },
    dateTime: new Date(Date.UTC(2026, variant % 12, 1 + (variant % 27))).toISOString(),
    provision: {
      type: variant % 4 === 0 ? 'deny' : 'permit',
      period: { start: '2025-01-01T00:00:00Z', end: '2030-01-01T00:00:00Z' },
      purpose: variant % 5 === 0 ? purpose('HRESCH') : [...purpose('TREAT'), ...purpose('HOPERAT')],
      provision: [
        { type: 'deny', class: [{ code: 'notes' }], securityLabel: [{ code: 'PSY' }] },
        {
          type: 'permit',
          actor: [
            { role: { coding: [{ code: 'PROV' }] }, reference: { reference: 'Device/lumbar-esi-outcome' } },
          ],
          provision: [{ type: 'deny', dataPeriod: { end: '2019-12-31T00:00:00Z' } }],
        },
      ],
    },
  };
}

function questionFor(index: number): ConsentQuestion {
  return {
    purposeOfUse: index % 7 === 0 ? 'HRESCH' : 'TREAT',
    at: new Date('2026-12-15T10:00:00Z'),
    actors: [`Practitioner/dr-${index % 13}`, 'Device/lumbar-esi-outcome'],
    roles: ['clinician'],
    action: 'use',
    dataClasses: ['imaging'],
    securityLabels: ['N'],
    dataPeriod: { start: '2024-01-01T00:00:00Z', end: '2026-12-01T00:00:00Z' },
  };
}

function toRecord(version: ConsentVersionEntity): ConsentRecord {
  const { consentId, version: number, status, dateTime, provision } = version;
  return { consentId, version: number, status, dateTime, provision };
}

main().catch((error: unknown) => {
  process.stderr.write(`consent bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
