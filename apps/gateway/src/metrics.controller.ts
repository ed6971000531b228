import { Controller, Get, Header, Inject, Req } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { CONFIG, type PraesidiumConfig } from '@praesidium/config';
import { ProblemError } from '@praesidium/problem';
import { GatewayMetrics } from '@praesidium/telemetry';

/**
 * Prometheus metrics. With PRAESIDIUM_GATEWAY_METRICS_TOKEN set, the scraper sends it as a bearer
 * token; without it, only loopback callers (a sidecar or a local agent) may read. Metrics carry
 * model names, steps, outcomes and reason codes, never a subject or a patient.
 */
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: GatewayMetrics,
    @Inject(CONFIG) private readonly config: PraesidiumConfig,
  ) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(@Req() request: FastifyRequest): Promise<string> {
    if (!this.allowed(request)) throw new ProblemError('metrics.forbidden');
    return this.metrics.render();
  }

  private allowed(request: FastifyRequest): boolean {
    const token = this.config.gateway.metricsToken;
    if (token === undefined) return isLoopback(request.raw.socket.remoteAddress ?? '');
    const given = Buffer.from(request.headers.authorization ?? '');
    const expected = Buffer.from(`Bearer ${token}`);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

function isLoopback(address: string): boolean {
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return (isIP(plain) === 4 && plain.startsWith('127.')) || plain === '::1';
}
