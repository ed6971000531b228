import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ConsoleUser } from '../console-session.js';
import { ApiProblem } from '../console-api.js';
import { flash, problemFlash, readableProblem } from '../console-page.js';

/** The signed-in user of a page that is not public: the console's onRequest hook made sure there is one. */
export function userOf(request: FastifyRequest): ConsoleUser {
  const user = request.consoleUser;
  if (!user) throw new Error('a console page without a signed-in user');
  return user;
}

/** A path segment as the API and the console's own URLs carry it. */
export const segment = (value: string): string => encodeURIComponent(value);

/** The console page of one model version. */
export const versionHref = (model: string, version: string): string =>
  `/console/registry/${segment(model)}/${segment(version)}`;

/**
 * Post/redirect/get for a form: runs the API call, then goes back to `back` with a message saying it
 * worked, or with the API's refusal (its title and reason code) as a readable message.
 */
export async function submitThenRedirect(
  request: FastifyRequest,
  reply: FastifyReply,
  back: string,
  call: () => Promise<unknown>,
  success: string,
): Promise<FastifyReply> {
  try {
    await call();
    flash(request, { kind: 'success', text: success });
  } catch (error) {
    if (!(error instanceof ApiProblem)) throw error;
    const problem = readableProblem(error.problem);
    const detail = problem.errors?.map((entry) => `${entry.path}: ${entry.message}`).join('; ');
    flash(
      request,
      problemFlash({ ...problem, title: detail ? `${problem.title} (${detail})` : problem.title }),
    );
  }
  return reply.redirect(back, 303);
}

/** A form field as a string: url-encoded forms give strings, multipart forms `{ value }`. */
export function field(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  if (typeof value === 'string') return value;
  const inner = (value as { value?: unknown } | undefined)?.value;
  return typeof inner === 'string' ? inner : undefined;
}
