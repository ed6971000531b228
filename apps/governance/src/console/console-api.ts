import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ProblemDocument } from '@praesidium/problem';

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
type Query = Record<string, string | number | undefined>;

/** A refusal of the API, as the problem+json document it answered. */
export class ApiProblem extends Error {
  constructor(readonly problem: ProblemDocument) {
    super(problem.code);
    this.name = 'ApiProblem';
  }
}

/** A whole answer of the API, for downloads the console passes through unchanged. */
export interface ApiDownload {
  readonly status: number;
  readonly headers: Record<string, string | string[] | number | undefined>;
  readonly body: Buffer;
}

/**
 * The console's only way to the domain: the governance API itself, called in process with the signed-in
 * user's bearer token. Every page therefore passes the same PrincipalGuard, CASL policy checks, input
 * validation and audit as a `curl` would; the console adds no access path of its own.
 */
export class ConsoleApi {
  constructor(
    private readonly app: NestFastifyApplication,
    private readonly token: string,
    private readonly correlationId: string,
  ) {}

  async get<T>(path: string, query?: Query): Promise<T> {
    return this.json<T>('GET', path, undefined, query);
  }

  async post<T>(path: string, body?: unknown, query?: Query): Promise<T> {
    return this.json<T>('POST', path, body ?? {}, query);
  }

  async put<T>(path: string, body: unknown, query?: Query): Promise<T> {
    return this.json<T>('PUT', path, body, query);
  }

  /** A download (export, document): the body as bytes and the headers to pass on. */
  async download(path: string, query?: Query): Promise<ApiDownload> {
    const response = await this.inject('GET', path, undefined, query);
    if (response.statusCode >= 400) throw new ApiProblem(problemOf(response.statusCode, response.body));
    return { status: response.statusCode, headers: response.headers, body: response.rawPayload };
  }

  private async json<T>(method: Method, path: string, body: unknown, query?: Query): Promise<T> {
    const response = await this.inject(method, path, body, query);
    if (response.statusCode >= 400) throw new ApiProblem(problemOf(response.statusCode, response.body));
    return (response.body ? JSON.parse(response.body) : undefined) as T;
  }

  private inject(method: Method, path: string, body: unknown, query?: Query) {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(query ?? {}))
      if (value !== undefined && value !== '') search.set(name, String(value));
    const url = search.size > 0 ? `${path}?${search.toString()}` : path;
    return this.app.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${this.token}`,
        'x-correlation-id': this.correlationId,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
  }
}

function problemOf(status: number, text: string): ProblemDocument {
  try {
    const parsed = JSON.parse(text) as Partial<ProblemDocument>;
    if (typeof parsed.code === 'string') return parsed as ProblemDocument;
  } catch {
    // not problem+json: described below
  }
  return {
    type: 'about:blank',
    title: 'The request failed',
    status,
    code: status >= 500 ? 'internal' : 'request.invalid',
    correlationId: '',
  };
}
