import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { loadConfig } from '@praesidium/config';
import { acquireDatabase, type AcquiredDatabase } from '@praesidium/database';
import { createJobQueue, type JobQueue } from '@praesidium/jobs';
import { KeyStore } from '@praesidium/keys';
import { migrate } from '../../apps/cli/src/platform.js';
import { createGovernanceApp } from '../../apps/governance/src/create-governance-app.js';
import { copyPgliteTemplate } from '../support/databases.js';
import { freePort } from '../support/platform.js';

type Operations = Record<string, OpenApiOperation>;
interface OpenApiOperation {
  parameters?: { name: string; in: string; required?: boolean; schema: unknown }[];
  requestBody?: { content: Record<string, { schema?: unknown }> };
  responses: Record<string, { description: string }>;
}
interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Operations>;
}

const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * What the governance app serves that is not its API: the HTML console, the docs themselves, the
 * liveness and readiness probes, metrics, and the demo OIDC issuer's well-known endpoints (demo only).
 */
const NOT_API = [
  /^\/console(\/|$)/,
  /^\/docs(\/|$)/,
  /^\/health(\/|$)/,
  /^\/metrics(\/|$)/,
  /^\/demo-issuer\//,
];

/**
 * The skeleton OpenAPI 3.1 prescribes for what the document uses (no OpenAPI meta-schema ships in our
 * dependencies); each embedded schema is checked as JSON Schema 2020-12 on its own below.
 */
const OPENAPI_SKELETON = {
  type: 'object',
  required: ['openapi', 'info', 'paths'],
  properties: {
    openapi: { type: 'string', pattern: '^3\\.1\\.\\d+$' },
    info: { type: 'object', required: ['title', 'version'] },
    paths: {
      type: 'object',
      propertyNames: { pattern: '^/' },
      additionalProperties: {
        type: 'object',
        propertyNames: { enum: ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] },
        additionalProperties: {
          type: 'object',
          required: ['responses'],
          properties: {
            tags: { type: 'array', items: { type: 'string' } },
            summary: { type: 'string', minLength: 1 },
            parameters: {
              type: 'array',
              items: {
                type: 'object',
                required: ['name', 'in', 'schema'],
                properties: { in: { enum: ['query', 'header', 'path', 'cookie'] } },
                if: { properties: { in: { const: 'path' } } },
                then: { required: ['required'], properties: { required: { const: true } } },
              },
            },
            requestBody: { type: 'object', required: ['content'] },
            responses: {
              type: 'object',
              minProperties: 1,
              propertyNames: { pattern: '^[1-5]\\d\\d$' },
              additionalProperties: { type: 'object', required: ['description'] },
            },
          },
        },
      },
    },
  },
};

/** Starts the governance app alone, as production runs it, recording each route Fastify registers. */
async function startGovernance(): Promise<{
  routes: Set<string>;
  url: string;
  stop(): Promise<void>;
}> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'praesidium-openapi-'));
  await copyPgliteTemplate(dataDir);
  const config = loadConfig({
    NODE_ENV: 'test',
    PRAESIDIUM_DATA_DIR: dataDir,
    PRAESIDIUM_LOG_LEVEL: 'error',
    PRAESIDIUM_GOVERNANCE_PORT: String(await freePort()),
  });
  const keyStore = await KeyStore.openOrCreate(config.dataDir);
  const database: AcquiredDatabase = await acquireDatabase({ url: config.database.url, dataDir });
  await migrate(database);
  const jobs: JobQueue = createJobQueue(config.redisUrl);
  const app: NestFastifyApplication = await createGovernanceApp({
    config,
    keyStore,
    connection: database.connection,
    jobs,
  });
  const routes = new Set<string>();
  // Nest registers its controllers' routes when the app starts, after this hook is in place.
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRoute', (route) => {
      for (const method of [route.method].flat())
        if (HTTP_METHODS.includes(method)) routes.add(`${method} ${route.url}`);
    });
  await app.listen(config.http.governancePort, config.http.host);
  return {
    routes,
    url: config.http.governanceUrl,
    async stop() {
      await app.close();
      await jobs.close();
      await database.release();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** `GET /models/:name` → `GET /models/{name}`, as OpenAPI writes the same route. */
function asOpenApi(route: string): string {
  const [method, url] = route.split(' ');
  const pathOnly = url.length > 1 ? url.replace(/\/$/, '') : url;
  return `${method} ${pathOnly.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`;
}

describe('the governance API description at /docs', () => {
  let governance: Awaited<ReturnType<typeof startGovernance>>;
  let document: OpenApiDocument;

  beforeAll(async () => {
    governance = await startGovernance();
    const answer = await fetch(`${governance.url}/docs/openapi.json`);
    expect(answer.status).toBe(200);
    document = (await answer.json()) as OpenApiDocument;
  });

  afterAll(async () => {
    await governance?.stop();
  });

  function documented(): string[] {
    return Object.entries(document.paths).flatMap(([route, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${route}`),
    );
  }

  function served(): string[] {
    return [...governance.routes]
      .map(asOpenApi)
      .filter((route) => !NOT_API.some((pattern) => pattern.test(route.split(' ')[1])));
  }

  it('documents every API route the governance app serves', () => {
    const listed = new Set(documented());
    // A sanity floor: if the hook saw nothing, an empty difference would prove nothing.
    expect(served().length).toBeGreaterThan(70);
    expect(
      served()
        .filter((route) => !listed.has(route))
        .sort(),
    ).toEqual([]);
  });

  it('documents no route the app does not serve', () => {
    const routes = new Set(served());
    expect(
      documented()
        .filter((route) => !routes.has(route))
        .sort(),
    ).toEqual([]);
  });

  it('is an OpenAPI 3.1 document whose schemas are valid JSON Schema 2020-12', () => {
    const skeleton = new Ajv({ allErrors: true, strict: false }).compile(OPENAPI_SKELETON);
    expect(skeleton(document) ? [] : skeleton.errors).toEqual([]);
    const jsonSchema = new Ajv2020({ strict: false });
    for (const [route, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const where = `${method.toUpperCase()} ${route}`;
        const named = [...route.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
        const pathParameters = (operation.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
        expect({ where, pathParameters }).toEqual({ where, pathParameters: named });
        const schemas = [
          ...(operation.parameters ?? []).map((parameter) => parameter.schema),
          ...Object.values(operation.requestBody?.content ?? {}).map((media) => media.schema),
        ].filter((schema): schema is object => typeof schema === 'object' && schema !== null);
        for (const schema of schemas) {
          const { $schema: _dialect, ...body } = schema as Record<string, unknown>;
          expect({ where, valid: jsonSchema.validateSchema(body) }).toEqual({ where, valid: true });
        }
      }
    }
  });

  it('names the refusals of each area, from the reason codes its routes throw', () => {
    const responses = (route: string, method: string) => JSON.stringify(document.paths[route]?.[method]);
    expect(responses('/policies/{version}/approve', 'post')).toContain('policy.four_eyes');
    expect(responses('/break-glass/{id}/review', 'post')).toContain('break_glass.not_ended');
    expect(responses('/bias-reports/{id}/signatures', 'post')).toContain('bias.requester_signs');
    expect(responses('/consents/{id}', 'put')).toContain('request.not_found');
    expect(responses('/audit/checkpoint-keys.json', 'get')).toContain('"security":[]');
  });

  it("tells callers that revoking a consent needs its patient's reference, as reading does", () => {
    const required = (route: string, method: string) =>
      (document.paths[route]?.[method]?.parameters ?? [])
        .filter((parameter) => parameter.in === 'query' && parameter.required === true)
        .map((parameter) => parameter.name);
    expect(required('/consents/{id}', 'get')).toEqual(['patient']);
    expect(required('/consents/{id}/revoke', 'post')).toEqual(['patient']);
  });
});
