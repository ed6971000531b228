import type { FastifyRequest } from 'fastify';
import { announcesBody } from './before-body.js';

const request = (method: string, headers: Record<string, string> = {}) =>
  ({ method, headers }) as unknown as FastifyRequest;

describe('announcesBody', () => {
  it('is true when a method that takes a body announces a length or a chunked body', () => {
    expect(announcesBody(request('POST', { 'content-length': '12' }))).toBe(true);
    expect(announcesBody(request('PUT', { 'transfer-encoding': 'chunked' }))).toBe(true);
    expect(announcesBody(request('DELETE', { 'content-length': '1' }))).toBe(true);
  });

  it('is false for an empty or absent body, and for methods Fastify reads no body of', () => {
    expect(announcesBody(request('POST'))).toBe(false);
    expect(announcesBody(request('POST', { 'content-length': '0' }))).toBe(false);
    expect(announcesBody(request('GET', { 'content-length': '12' }))).toBe(false);
    expect(announcesBody(request('HEAD', { 'transfer-encoding': 'chunked' }))).toBe(false);
  });
});
