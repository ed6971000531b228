import { Controller, Get, Header, Inject, Req } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { CONFIG, type PraesidiumConfig } from '@praesidium/config';
import { ProblemError } from '@praesidium/problem';
import { GatewayMetrics } from '@praesidium/telemetry';
import { mayReadMetrics } from './metrics-access.js';

/**
 * Prometheus metrics, for the scraper that sends PRAESIDIUM_GATEWAY_METRICS_TOKEN (without one, for a
 * local agent outside production: see mayReadMetrics). Metrics carry model names, steps, outcomes and
 * reason codes, never a subject or a patient.
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
    return mayReadMetrics(
      { token: this.config.gateway.metricsToken, isProduction: this.config.isProduction },
      { authorization: request.headers.authorization, remoteAddress: request.raw.socket.remoteAddress },
    );
  }
}
