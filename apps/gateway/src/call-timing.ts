import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { GatewayMetrics } from '@praesidium/telemetry';

/** When a request arrived, and how long its backend calls took (ms), to tell the gateway's own time apart. */
export interface CallTiming {
  readonly arrivedAt: number;
  backendMs: number;
}

const TIMING = Symbol('praesidium.callTiming');
type TimedRequest = FastifyRequest & { [TIMING]?: CallTiming };

export function timingOf(request: FastifyRequest): CallTiming | undefined {
  return (request as TimedRequest)[TIMING];
}

/**
 * `X-Gateway-Overhead`: milliseconds (three decimals) from the request's arrival to the answer being
 * handed to the socket, minus the time spent waiting for the backend. For a stream it is measured
 * when the stream starts (the backend's headers are in); the rest of a stream is the backend's time.
 * Set on inference answers only (protocol routes), refusals included.
 */
export function installOverheadHeader(fastify: FastifyInstance, metrics: GatewayMetrics): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    (request as TimedRequest)[TIMING] = { arrivedAt: performance.now(), backendMs: 0 };
    done();
  });
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const timing = timingOf(request);
    if (timing && isInferenceRoute(request.url)) {
      const overheadMs = Math.max(0, performance.now() - timing.arrivedAt - timing.backendMs);
      void reply.header('x-gateway-overhead', overheadMs.toFixed(3));
      metrics.gatewayOverhead(overheadMs / 1000);
    }
    done(null, payload);
  });
}

function isInferenceRoute(url: string): boolean {
  return url.startsWith('/v1/chat/') || /^\/v2\/models\/[^/]+(\/versions\/[^/]+)?\/infer/.test(url);
}
