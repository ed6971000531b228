import { ConfigError, loadConfig } from './load-config.js';

describe('loadConfig', () => {
  it('runs on defaults: embedded database, demo issuer, local ports', () => {
    const config = loadConfig({});
    expect(config.database.url).toBeUndefined();
    expect(config.demo).toBe(true);
    expect(config.auth.issuer).toBe('http://127.0.0.1:8081/demo-issuer');
    expect(config.auth.jwksUrl).toBe('http://127.0.0.1:8081/demo-issuer/jwks.json');
    expect(config.dataDir.endsWith('.praesidium')).toBe(true);
  });

  it('names every bad variable in one message', () => {
    const attempt = () =>
      loadConfig({
        PRAESIDIUM_GATEWAY_PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        PRAESIDIUM_AUTH_ALGORITHMS: 'none',
      });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/PRAESIDIUM_GATEWAY_PORT/);
    expect(attempt).toThrow(/DATABASE_URL/);
    expect(attempt).toThrow(/PRAESIDIUM_AUTH_ALGORITHMS/);
  });

  it('refuses the demo and a missing issuer in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', PRAESIDIUM_DEMO: 'true' })).toThrow(/PRAESIDIUM_DEMO/);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/PRAESIDIUM_AUTH_ISSUER/);
    expect(() =>
      loadConfig({ NODE_ENV: 'production', PRAESIDIUM_AUTH_ISSUER: 'https://idp.example.org/realms/h' }),
    ).toThrow(/PRAESIDIUM_AUTH_JWKS_URL/);
    const config = loadConfig({
      NODE_ENV: 'production',
      PRAESIDIUM_AUTH_ISSUER: 'https://idp.example.org/realms/h',
      PRAESIDIUM_AUTH_JWKS_URL: 'https://idp.example.org/realms/h/certs',
    });
    expect(config.demo).toBe(false);
  });
});
