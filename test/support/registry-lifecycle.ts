import { DEMO_MODEL } from '@praesidium/demo';
import { computedBiasReport, EVALUATION_MAPPING } from './bias-reports.js';
import { call, type JsonResponse } from './http.js';
import { tokenFor } from './officers.js';
import type { TestPlatform } from './platform.js';

const PIN = 'sign-here-2026';

/**
 * The people of the registry's story on a test platform (model owner, two regulatory-affairs
 * officers, an ethics-board member, each with a signing PIN) and the steps that take a version of
 * a demo model from registration to approval, as `test/e2e/model-registry.test.ts` walks them.
 */
export async function registryPeople(platform: TestPlatform) {
  const people = {
    owner: await platform.token('model-owner'),
    ra: await platform.token('regulatory-affairs'),
    ra2: await tokenFor(platform, 'ra.second', ['regulatory-affairs']),
    ethics: await platform.token('ethics-board'),
  };
  const governance = platform.config.http.governanceUrl;
  for (const token of [people.ra, people.ra2, people.ethics]) {
    const set = await call('PUT', `${governance}/signing-pin`, { token, body: { pin: PIN } });
    if (set.status !== 204) throw new Error(`signing PIN refused: ${JSON.stringify(set.body)}`);
  }
  return people;
}

export type RegistryPeople = Awaited<ReturnType<typeof registryPeople>>;

/** A version body of the demo lumbar model served by the platform's sample model. */
export function demoVersionBody(platform: TestPlatform, version: string) {
  return {
    content: {
      version,
      artifact: {
        sha256: Buffer.from(version).toString('hex').padEnd(64, '0').slice(0, 64),
        uri: `file:///models/esi-${version}.onnx`,
      },
      inputSchema: DEMO_MODEL.inputSchema,
      outputSchema: DEMO_MODEL.outputSchema,
      architecture: 'logistic regression over six clinical features',
      training: { paradigm: 'supervised', hyperparameters: { l2: 0.1 } },
      operatingPoints: [{ name: 'default', threshold: 0.5, rationale: 'Youden index on the tuning set' }],
    },
    backendUrl: `http://127.0.0.1:${platform.config.http.sampleModelPort}/v2/models/${DEMO_MODEL.name}/infer`,
  };
}

/**
 * Registers `version` of the demo model and takes it to approved: performance evidence, a bias report
 * of the version signed off by the ethics board, validate and submit (owner), the two boards'
 * signatures, approval by a second regulatory-affairs officer. Throws on any refusal.
 */
export async function approvedDemoVersion(
  platform: TestPlatform,
  people: RegistryPeople,
  version: string,
): Promise<void> {
  const governance = platform.config.http.governanceUrl;
  const versions = `${governance}/models/${DEMO_MODEL.name}/versions`;
  const expectStatus = (response: JsonResponse, status: number, what: string) => {
    if (response.status !== status)
      throw new Error(`${what}: ${response.status} ${JSON.stringify(response.body)}`);
  };
  const post = (url: string, token: string, body: unknown) => call('POST', url, { token, body });
  expectStatus(await post(versions, people.owner, demoVersionBody(platform, version)), 201, 'register');
  expectStatus(
    await post(`${versions}/${version}/evidence`, people.owner, {
      kind: 'performance',
      title: `test set of ${version}`,
      details: { metrics: [{ metric: 'auroc', value: 0.8, ciLower: 0.77, ciUpper: 0.83 }] },
    }),
    201,
    'evidence',
  );
  const report = await computedBiasReport(
    governance,
    people.owner,
    `${EVALUATION_MAPPING}&resamples=50&seed=1&modelVersion=${DEMO_MODEL.name}@${version}`,
  );
  expectStatus(
    await post(`${governance}/bias-reports/${report.id}/signatures`, people.ethics, {
      role: 'ethics-board',
      meaning: 'approved',
      recordSha256: report.reportSha256,
      pin: PIN,
    }),
    201,
    'bias report sign-off',
  );
  for (const action of ['validate', 'submit'])
    expectStatus(
      await post(`${versions}/${version}/transitions`, people.owner, { action, reason: `${action} (test)` }),
      200,
      action,
    );
  const record = (await call('GET', `${versions}/${version}`, { token: people.ra })).body
    .approvalRecordSha256 as string;
  for (const [token, role] of [
    [people.ethics, 'ethics-board'],
    [people.ra, 'regulatory-affairs'],
  ] as const)
    expectStatus(
      await post(`${versions}/${version}/signatures`, token, {
        role,
        meaning: 'approved',
        recordSha256: record,
        pin: PIN,
      }),
      201,
      `${role} signature`,
    );
  expectStatus(
    await post(`${versions}/${version}/transitions`, people.ra2, {
      action: 'approve',
      reason: 'approve (test)',
    }),
    200,
    'approve',
  );
}
