import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { PROBLEM_CONTENT_TYPE, ProblemError, problemType, toProblemDocument } from './problem.error.js';

/** Maps Fastify's own errors (body limit, content type, bad JSON) to our reason codes. */
function fromFrameworkError(error: unknown): ProblemError | undefined {
  const code = (error as { code?: string } | null)?.code;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new ProblemError('request.too_large');
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new ProblemError('request.unsupported_media_type');
  if (
    code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
    code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    error instanceof SyntaxError
  ) {
    return new ProblemError('request.invalid', 'The body is not valid JSON');
  }
  return undefined;
}

/**
 * The one error shape of every Praesidium API. A 5xx shows an opaque correlation id and nothing of
 * the cause; the cause is logged by error class and code only, never with request data.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const correlationId = String(request?.id ?? randomUUID());
    const problem = this.toProblem(exception, correlationId);
    if (problem.status >= 500) {
      const name = exception instanceof Error ? exception.name : typeof exception;
      this.logger.error(`${problem.code} correlationId=${correlationId} cause=${name}`);
    }
    void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem);
  }

  private toProblem(exception: unknown, correlationId: string) {
    if (exception instanceof ProblemError) return toProblemDocument(exception, correlationId);
    const framework = fromFrameworkError(exception);
    if (framework) return toProblemDocument(framework, correlationId);
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === 413) return toProblemDocument(new ProblemError('request.too_large'), correlationId);
      if (status === 415)
        return toProblemDocument(new ProblemError('request.unsupported_media_type'), correlationId);
      const code = status === 404 ? 'request.not_found' : status < 500 ? 'request.invalid' : 'internal.error';
      return {
        type: problemType(code),
        title: status === 404 ? 'No such resource' : exception.message,
        status,
        code,
        correlationId,
      };
    }
    return toProblemDocument(new ProblemError('internal.error'), correlationId);
  }
}
