import type { AddressInfo } from 'node:net';
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
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/**
 * The console's only way to the domain: the governance API itself, called over loopback HTTP on the
 * app's own listening socket with the signed-in user's bearer token. Every page therefore passes the
 * same HTTP edge, PrincipalGuard, CASL policy checks, input validation and audit as a `curl` would;
 * the console adds no access path of its own.
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

  /** A call to another Praesidium API with the user's token (the gateway's clinician feedback). */
  async postTo<T>(origin: string, path: string, body: unknown): Promise<T> {
    const response = await fetch(new URL(path, origin), {
      method: 'POST',
      redirect: 'manual',
      headers: {
        authorization: `Bearer ${this.token}`,
        'x-correlation-id': this.correlationId,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status >= 400) throw new ApiProblem(problemOf(response.status, text));
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** A download (export, document): the body as bytes and the headers to pass on. */
  async download(path: string, query?: Query): Promise<ApiDownload> {
    const response = await this.call('GET', path, undefined, query);
    const body = Buffer.from(await response.arrayBuffer());
    if (response.status >= 400) throw new ApiProblem(problemOf(response.status, body.toString('utf8')));
    return { status: response.status, headers: Object.fromEntries(response.headers), body };
  }

  private async json<T>(method: Method, path: string, body: unknown, query?: Query): Promise<T> {
    const response = await this.call(method, path, body, query);
    const text = await response.text();
    if (response.status >= 400) throw new ApiProblem(problemOf(response.status, text));
    return (text ? JSON.parse(text) : undefined) as T;
  }

  private call(method: Method, path: string, body: unknown, query?: Query): Promise<Response> {
    const url = new URL(path, ownOrigin(this.app));
    for (const [name, value] of Object.entries(query ?? {}))
      if (value !== undefined && value !== '') url.searchParams.set(name, String(value));
    return fetch(url, {
      method,
      redirect: 'manual',
      headers: {
        authorization: `Bearer ${this.token}`,
        'x-correlation-id': this.correlationId,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  }
}

/** The app's own listening socket, over loopback when it listens on every interface. */
function ownOrigin(app: NestFastifyApplication): string {
  const address = (app.getHttpServer() as { address(): AddressInfo | string | null }).address();
  if (!address || typeof address === 'string') throw new Error('the governance app is not listening');
  const host =
    address.address === '0.0.0.0' || address.address === '::'
      ? '127.0.0.1'
      : address.family === 'IPv6'
        ? `[${address.address}]`
        : address.address;
  return `http://${host}:${address.port}`;
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
