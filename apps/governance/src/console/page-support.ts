import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { ProblemError } from '@praesidium/problem';
import { ApiProblem } from './console-api.js';
import { flash, problemFlash, readableProblem } from './console-page.js';
import type { ConsoleUser } from './console-session.js';

/** The signed-in user; the console's onRequest hook has made sure there is one. */
export function userOf(request: FastifyRequest): ConsoleUser {
  if (!request.consoleUser) throw new ProblemError('console.sign_in_required');
  return request.consoleUser;
}

/** Parses a form or query; a bad one is a readable `request.invalid` page. */
export function formOf<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success)
    throw new ProblemError(
      'request.invalid',
      undefined,
      parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    );
  return parsed.data;
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

/** {@link submitThenRedirect} with the message before the call, as the security pages read best. */
export const changeThenRedirect = (
  request: FastifyRequest,
  reply: FastifyReply,
  to: string,
  success: string,
  call: () => Promise<unknown>,
): Promise<FastifyReply> => submitThenRedirect(request, reply, to, call, success);

/** A form field as a string: url-encoded forms give strings, multipart forms `{ value }`. */
export function field(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  if (typeof value === 'string') return value;
  const inner = (value as { value?: unknown } | undefined)?.value;
  return typeof inner === 'string' ? inner : undefined;
}
