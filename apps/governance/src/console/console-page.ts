import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ProblemDocument } from '@praesidium/problem';
import { navigationFor } from './navigation.js';
import { ApiProblem } from './console-api.js';
import type { ConsoleSessionData } from './console-session.js';

type Flash = ConsoleSessionData['flash'];

/** A problem as a person reads it: the title, what to do, and the code to search the docs for. */
export interface ReadableProblem {
  readonly title: string;
  readonly detail?: string;
  readonly code: string;
  readonly correlationId?: string;
  readonly errors?: readonly { path: string; message: string }[];
}

export function readableProblem(problem: ProblemDocument): ReadableProblem {
  return {
    title: problem.title,
    ...(problem.detail ? { detail: problem.detail } : {}),
    code: problem.code,
    ...(problem.correlationId ? { correlationId: problem.correlationId } : {}),
    ...(problem.errors?.length ? { errors: problem.errors.slice(0, 20) } : {}),
  };
}

/** Runs an API call for a page; a refusal becomes a readable problem instead of an error page. */
export async function attempt<T>(
  call: () => Promise<T>,
): Promise<{ value: T; problem?: undefined } | { value?: undefined; problem: ReadableProblem }> {
  try {
    return { value: await call() };
  } catch (error) {
    if (error instanceof ApiProblem) return { problem: readableProblem(error.problem) };
    throw error;
  }
}

/** Sets the message the next page shows (after a redirect). */
export function flash(request: FastifyRequest, message: Flash): void {
  request.session.set('flash', message);
}

/** A flash from a refused API call. */
export function problemFlash(problem: ReadableProblem): Flash {
  return { kind: 'problem', text: problem.title, code: problem.code };
}

/**
 * Renders a console page inside the layout: the user, the navigation their policy allows, the CSRF
 * token for its forms, and the message left by the previous request. Handlebars escapes every `{{…}}`.
 */
export async function renderPage(
  request: FastifyRequest,
  reply: FastifyReply,
  view: string,
  data: Record<string, unknown> & { title: string },
  status = 200,
): Promise<FastifyReply> {
  const user = request.consoleUser;
  const message = request.session.get('flash');
  if (message) request.session.set('flash', undefined);
  const path = request.url.split('?')[0];
  return reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .view(view, {
      ...data,
      csrfToken: reply.generateCsrf(),
      flash: message,
      user: user
        ? {
            name: user.principal.name ?? user.principal.subject,
            roles: user.principal.roles.join(', '),
          }
        : undefined,
      navigation: user ? navigationFor(user.ability, path) : [],
    });
}
