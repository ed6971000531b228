import { z } from 'zod';
import { REASONS, type ReasonCode } from '@praesidium/problem';

/** One documented operation; the request parts are the very zod schemas the route validates with. */
export interface DocumentedRoute {
  readonly method: 'get' | 'post' | 'put';
  /** OpenAPI path, parameters in braces: `/models/{name}/versions/{version}`. */
  readonly path: string;
  readonly tag: string;
  readonly summary: string;
  readonly description?: string;
  readonly body?: z.ZodType;
  /**
   * A body no zod schema of ours describes (a FHIR resource checked against the FHIR schema, a CSV
   * upload): its media types and what it must be.
   */
  readonly rawBody?: { readonly mediaTypes: readonly string[]; readonly description: string };
  readonly query?: z.ZodType;
  /** The success status and what it returns; `mediaType` when it is not JSON (a page, a file). */
  readonly success: { readonly status: number; readonly description: string; readonly mediaType?: string };
  /** Refusals specific to this operation (every operation may also answer 400, 401 and 403). */
  readonly refusals?: readonly ReasonCode[];
  /** Operations that need no bearer token. */
  readonly isPublic?: boolean;
}

const COMMON_REFUSALS: readonly ReasonCode[] = ['request.invalid', 'token.missing', 'access.denied'];

const problemSchema = {
  type: 'object',
  description: 'RFC 9457 problem details; `code` is the stable reason code',
  required: ['type', 'title', 'status', 'code', 'correlationId'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string' },
    detail: { type: 'string' },
    correlationId: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};

/** OpenAPI 3.1 (whose schemas are JSON Schema 2020-12, what zod emits) of the documented routes. */
export function openApiDocument(routes: readonly DocumentedRoute[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    paths[route.path][route.method] = operation(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Praesidium governance API',
      version: '0.1.0',
      description:
        'Every error is application/problem+json with a stable `code`; the codes are listed per operation.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: { Problem: problemSchema },
    },
  };
}

function operation(route: DocumentedRoute): Record<string, unknown> {
  const parameters = [
    ...[...route.path.matchAll(/\{([^}]+)\}/g)].map((match) => ({
      name: match[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    })),
    ...queryParameters(route.query),
  ];
  const refusals = [...new Set([...(route.isPublic ? [] : COMMON_REFUSALS), ...(route.refusals ?? [])])];
  const { success } = route;
  const responses: Record<string, unknown> = {
    [String(success.status)]: {
      description: success.description,
      ...(success.mediaType ? { content: { [success.mediaType]: {} } } : {}),
    },
  };
  for (const code of refusals) {
    const status = String(REASONS[code].status);
    const existing = responses[status] as { description: string } | undefined;
    const line = `\`${code}\`: ${REASONS[code].title}`;
    responses[status] = {
      description: existing ? `${existing.description}; ${line}` : line,
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    };
  }
  return {
    tags: [route.tag],
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    ...(route.isPublic ? { security: [] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...requestBody(route),
    responses,
  };
}

function requestBody(route: DocumentedRoute): Record<string, unknown> {
  if (route.rawBody) {
    const { mediaTypes, description } = route.rawBody;
    const schema = { description };
    return {
      requestBody: {
        required: true,
        description,
        content: Object.fromEntries(mediaTypes.map((type) => [type, { schema }])),
      },
    };
  }
  if (!route.body) return {};
  return {
    requestBody: {
      // Some bodies may be left out altogether (`POST /audit/verifications` with no options).
      required: !route.body.safeParse(undefined).success,
      content: { 'application/json': { schema: jsonSchema(route.body) } },
    },
  };
}

function queryParameters(query: z.ZodType | undefined): Record<string, unknown>[] {
  if (!query) return [];
  const schema = jsonSchema(query) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(schema.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: schema.required?.includes(name) ?? false,
    schema: property,
  }));
}

function jsonSchema(schema: z.ZodType): unknown {
  // Refinements have no JSON Schema form: they are documented in prose and still enforced.
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
}
