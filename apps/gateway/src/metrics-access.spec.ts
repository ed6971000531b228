import { mayReadMetrics } from './metrics-access.js';

const TOKEN = 'scrape-token-0123456789';
const loopback = { authorization: undefined, remoteAddress: '127.0.0.1' };
const remote = { authorization: undefined, remoteAddress: '10.2.3.4' };

describe('who may read /metrics', () => {
  it('lets a local agent read without a token outside production, and nobody else', () => {
    const development = { token: undefined, isProduction: false };
    expect(mayReadMetrics(development, loopback)).toBe(true);
    expect(mayReadMetrics(development, { ...loopback, remoteAddress: '::ffff:127.0.0.1' })).toBe(true);
    expect(mayReadMetrics(development, remote)).toBe(false);
  });

  it('requires the token in production, even from loopback (a same-host proxy relays every caller)', () => {
    const production = { token: undefined, isProduction: true };
    expect(mayReadMetrics(production, loopback)).toBe(false);
    expect(mayReadMetrics(production, { ...loopback, remoteAddress: '::1' })).toBe(false);
  });

  it('with a token, reads for whoever sends exactly it, wherever they are', () => {
    const policy = { token: TOKEN, isProduction: true };
    expect(mayReadMetrics(policy, { ...remote, authorization: `Bearer ${TOKEN}` })).toBe(true);
    expect(mayReadMetrics(policy, { ...loopback, authorization: `Bearer ${TOKEN}x` })).toBe(false);
    expect(mayReadMetrics(policy, loopback)).toBe(false);
  });
});
