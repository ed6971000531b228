import type { FastifyReply, FastifyRequest } from 'fastify';

/** Methods whose requests Fastify never reads a body of. */
const BODYLESS_METHODS = new Set(['GET', 'HEAD', 'TRACE']);

/** Whether Fastify will read a body for this request: its method takes one, and its headers announce one. */
export function announcesBody(request: FastifyRequest): boolean {
  if (BODYLESS_METHODS.has(request.method)) return false;
  const { 'content-length': length, 'transfer-encoding': encoding } = request.headers;
  return encoding !== undefined || (length !== undefined && length !== '0');
}

/**
 * Refuses a request from its headers (in an `onRequest` hook), before its body is read. The connection
 * is closed once the refusal is sent: kept alive, Node would read the whole announced body to drain it.
 */
export function refuseBeforeBody(reply: FastifyReply, error: unknown): never {
  void reply.header('connection', 'close');
  throw error;
}
