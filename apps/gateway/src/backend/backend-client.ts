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

/** Pooled, keep-alive HTTP to model backends, with timeouts and a response size cap. */
@Injectable()
export class BackendClient implements OnModuleDestroy {
  private readonly pools = new Map<string, Pool>();

  constructor(
    @Inject(CONFIG) private readonly config: PraesidiumConfig,
    private readonly encryption: BackendEncryption,
  ) {}

  async post(url: string, body: Uint8Array, headers: Record<string, string>): Promise<BackendResponse> {
    const target = new URL(url);
    const timeout = this.config.gateway.backendTimeoutMs;
    const sealed = await this.encryption.seal(url, body);
    try {
      const response = await this.pool(target.origin).request({
        method: 'POST',
        path: `${target.pathname}${target.search}`,
        body: sealed.body,
        headers: { 'content-type': sealed.contentType, accept: 'application/json', ...headers },
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
      return { status: response.statusCode, body: await readCapped(response.body) };
    } catch (error) {
      if (error instanceof ProblemError) throw error;
      if (error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError) {
        throw new ProblemError('backend.timeout');
      }
      throw new ProblemError('backend.unavailable');
    }
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.close()));
  }

  private pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, { connections: 64, connectTimeout: 2000, keepAliveTimeout: 30_000 });
      this.pools.set(origin, pool);
    }
    return pool;
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
