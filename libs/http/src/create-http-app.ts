import { ConsoleLogger, type DynamicModule, type LogLevel, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { ServerOptions as HttpsOptions } from 'node:https';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { PraesidiumConfig } from '@praesidium/config';
import { carriesNulCharacter } from './nul-characters.js';
import {
  PROBLEM_CONTENT_TYPE,
  ProblemError,
  ProblemFilter,
  toProblemDocument,
  type ReasonCode,
} from '@praesidium/problem';

const LEVELS: Record<PraesidiumConfig['logLevel'], LogLevel[]> = {
  error: ['fatal', 'error'],
  warn: ['fatal', 'error', 'warn'],
  log: ['fatal', 'error', 'warn', 'log'],
  debug: ['fatal', 'error', 'warn', 'log', 'debug'],
};

/**
 * The embedded default runs gateway and governance as two Nest apps in one process, each with its
 * own default TypeORM data source. @nestjs/typeorm warns that one would override the other, which
 * held for TypeORM's old global connection manager; TypeORM 1.x has none, so the warning is dropped.
 */
class PlatformLogger extends ConsoleLogger {
  override warn(message: unknown, ...rest: unknown[]): void {
    if (rest.includes('DataSourceNameRegistry')) return;
    super.warn(message, ...rest);
  }
}

/**
 * One way to make every Praesidium HTTP app: Fastify without request logging (requests carry patient
 * data), a correlation id per request echoed in `x-correlation-id`, the body limit, the raw body kept
 * for hashing, security headers, and problem+json for every error.
 */
export async function createHttpApp(
  module: Type | DynamicModule,
  config: PraesidiumConfig,
  bodyLimit = 1024 * 1024,
  onClientError?: ClientErrorListener,
  https?: HttpsOptions,
): Promise<NestFastifyApplication> {
  const timeouts = requestTimeouts(config.http.requestTimeoutMs);
  const adapter = new FastifyAdapter({
    ...(https ? { https: { ...https, ...timeouts } } : { http: timeouts }),
    // Fastify's default (0) switches off Node's own limit: a client trickling a byte at a time would
    // hold its connection, and the body buffered so far, for ever, before any token is checked.
    requestTimeout: timeouts.requestTimeout,
    logger: false,
    bodyLimit,
    clientErrorHandler: (error, socket) => answerClientError(error, socket, onClientError),
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const problem = frameworkProblem(error.code);
      void reply
        .status(problem.status)
        .header('content-type', PROBLEM_CONTENT_TYPE)
        .send(toProblemDocument(problem, request.id));
    },
    genReqId: (request: IncomingMessage) => {
      const given = request.headers['x-correlation-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._-]{8,64}$/.test(given) ? given : randomUUID();
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, {
    rawBody: true,
    logger: new PlatformLogger({ logLevels: LEVELS[config.logLevel] }),
    abortOnError: false,
  });
  app.useGlobalFilters(new ProblemFilter());
  const fastify = app.getHttpAdapter().getInstance();
  // JSON only: a text/plain body must be refused with 415, not parsed into a string.
  fastify.removeContentTypeParser(['text/plain']);
  // Refused at the edge, before any handler can hand it to PostgreSQL (see carriesNulCharacter).
  fastify.addHook('preHandler', async (request) => {
    if ([request.params, request.query, request.body].some(carriesNulCharacter))
      throw new ProblemError('request.invalid', 'U+0000 is not accepted in any input');
  });
  fastify.addHook('onSend', async (request, reply) => {
    void reply.header('x-correlation-id', request.id);
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('cache-control', 'no-store');
    void reply.header('referrer-policy', 'no-referrer');
  });
  return app;
}

/**
 * Fastify's router refuses some URLs before Nest sees them (a path parameter over 100 characters, bad
 * percent-encoding). Its default answer is its own JSON that echoes the path, which may carry a
 * patient reference; they get the one problem+json shape instead, and the path is not repeated.
 */
function frameworkProblem(code: string): ProblemError {
  // An over-long parameter names nothing that exists; anything else the router refuses is malformed.
  return new ProblemError(code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'request.not_found' : 'request.invalid');
}

/**
 * Node's limits on receiving a request: the whole of it within `requestTimeout`, its headers within
 * that or a minute, whichever is shorter, checked often enough that a short limit holds.
 */
function requestTimeouts(requestTimeout: number) {
  return {
    requestTimeout,
    headersTimeout: Math.min(requestTimeout, 60_000),
    connectionsCheckingInterval: Math.min(30_000, Math.max(250, Math.floor(requestTimeout / 4))),
  };
}

/** Reason codes of what Node refuses itself; anything else it refuses is not HTTP we read. */
const CLIENT_ERROR_CODES: Readonly<Record<string, ReasonCode>> = {
  HPE_HEADER_OVERFLOW: 'request.headers_too_large',
  ERR_HTTP_REQUEST_TIMEOUT: 'request.timeout',
};

/** Told of a request refused before it could be parsed (headers too large, not HTTP, too slow). */
export type ClientErrorListener = (refusal: {
  readonly code: ReasonCode;
  readonly correlationId: string;
  readonly address: string | undefined;
}) => void;

/**
 * Node refuses some requests before any framework sees them (a header block over 16 KiB, bytes that
 * are not HTTP, a request not received within the request timeout). They still get the one error
 * shape, and a correlation id the audit can carry.
 */
function answerClientError(error: Error, socket: Socket, listener: ClientErrorListener | undefined): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const code = CLIENT_ERROR_CODES[(error as { code?: string }).code ?? ''] ?? 'request.invalid';
  const problem = new ProblemError(code);
  const correlationId = randomUUID();
  const body = JSON.stringify(toProblemDocument(problem, correlationId));
  socket.end(
    [
      `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? 'Error'}`,
      `content-type: ${PROBLEM_CONTENT_TYPE}`,
      `content-length: ${Buffer.byteLength(body)}`,
      `x-correlation-id: ${correlationId}`,
      'connection: close',
      '',
      body,
    ].join('\r\n'),
  );
  listener?.({ code, correlationId, address: socket.remoteAddress });
}
