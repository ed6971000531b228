import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Pool, errors } from 'undici';
import { CONFIG, type PraesidiumConfig } from '@praesidium/config';
import { ProblemError } from '@praesidium/problem';
import { BackendEncryption } from './backend-encryption.js';

const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export interface BackendResponse {
  readonly status: number;
  readonly body: Buffer;
}

export interface BackendStream {
  readonly status: number;
  readonly contentType: string;
  readonly body: AsyncIterable<Buffer>;
}

export interface BackendRequest {
  readonly url: string;
  readonly body: Uint8Array;
  readonly headers: Record<string, string>;
  /** Time allowed for the answer's headers, and between two chunks of its body. */
  readonly timeoutMs: number;
  readonly accept?: string;
}

/** Pooled, keep-alive HTTP to model backends, with timeouts and a response size cap. Never retries. */
@Injectable()
export class BackendClient implements OnModuleDestroy {
  private readonly pools = new Map<string, Pool>();

  constructor(
    @Inject(CONFIG) private readonly config: PraesidiumConfig,
    private readonly encryption: BackendEncryption,
  ) {}

  async post(request: BackendRequest): Promise<BackendResponse> {
    const response = await this.open(request);
    try {
      return { status: response.status, body: await readCapped(response.body) };
    } catch (error) {
      throw backendProblem(error);
    }
  }

  /** Sends the request and returns as soon as the headers are in; the body is read by the caller. */
  async open(request: BackendRequest): Promise<BackendStream> {
    const target = new URL(request.url);
    try {
      // Backends that registered a key get the body as JWE (see backend-encryption.ts).
      const sealed = await this.encryption.seal(request.url, request.body);
      const response = await this.pool(target.origin).request({
        method: 'POST',
        path: `${target.pathname}${target.search}`,
        body: sealed.body,
        headers: {
          'content-type': sealed.contentType,
          accept: request.accept ?? 'application/json',
          ...request.headers,
        },
        headersTimeout: request.timeoutMs,
        bodyTimeout: request.timeoutMs,
      });
      const contentType = response.headers['content-type'];
      return {
        status: response.statusCode,
        contentType: typeof contentType === 'string' ? contentType : '',
        body: mapErrors(response.body),
      };
    } catch (error) {
      throw backendProblem(error);
    }
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
  }

  private pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connections: this.config.gateway.backendConcurrency,
        connectTimeout: 2000,
        keepAliveTimeout: 30_000,
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }
}

function backendProblem(error: unknown): ProblemError {
  if (error instanceof ProblemError) return error;
  if (error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError) {
    return new ProblemError('backend.timeout');
  }
  return new ProblemError('backend.unavailable');
}

async function* mapErrors(stream: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
  try {
    for await (const chunk of stream) yield chunk;
  } catch (error) {
    throw backendProblem(error);
  }
}

async function readCapped(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > MAX_RESPONSE_BYTES)
      throw new ProblemError('backend.invalid_response', 'the response is too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
