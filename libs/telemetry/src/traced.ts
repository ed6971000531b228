import { context, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

const tracer = trace.getTracer('praesidium');

/**
 * Runs `work` inside a span. Attributes must never carry a patient identifier or a payload: pass
 * only model names, versions, reason codes, purposes and staff subjects.
 */
export async function traced<T>(
  name: string,
  attributes: Attributes,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      markFailed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** A span opened in one place and ended in another: a request's hook opens it, its handler ends it. */
export interface OpenSpan {
  /** Runs `work` with this span active: spans opened in it are children, records carry its trace id. */
  run<T>(work: () => Promise<T>): Promise<T>;
  setAttribute(name: string, value: string): void;
  /** Ends the span, failed (with the error's reason code) when given an error; only the first call counts. */
  end(error?: unknown): void;
}

/** Opens a span under the active one, as `traced` does; the caller must `end` it. Same attribute rules. */
export function openSpan(name: string, attributes: Attributes): OpenSpan {
  const span = tracer.startSpan(name, { attributes });
  const active = trace.setSpan(context.active(), span);
  let ended = false;
  return {
    run: (work) => context.with(active, work),
    setAttribute: (attribute, value) => span.setAttribute(attribute, value),
    end(error) {
      if (ended) return;
      ended = true;
      if (error !== undefined) markFailed(span, error);
      span.end();
    },
  };
}

function markFailed(span: Span, error: unknown): void {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') span.setAttribute('praesidium.reason_code', code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: typeof code === 'string' ? code : 'error' });
}

/** The current trace id, for correlating an audit record with its trace. */
export function currentTraceId(): string | undefined {
  const active = trace.getActiveSpan()?.spanContext();
  return active && active.traceId !== '00000000000000000000000000000000' ? active.traceId : undefined;
}
