import { environmentSchema, toConfig, type PraesidiumConfig } from './config.schema.js';
import { readIssuersFile } from './trusted-issuers.js';

/** Thrown when the environment does not validate; its message names every bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates the environment once, at start, into the typed configuration. Empty strings count as unset. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): PraesidiumConfig {
  const env = Object.fromEntries(
    Object.entries(source).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = environmentSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`),
    );
  }
  const file = parsed.data.PRAESIDIUM_AUTH_ISSUERS_FILE;
  const issuers = file ? readIssuersFile(file) : { ok: true as const, issuers: [] };
  if (!issuers.ok) throw new ConfigError(issuers.problems);
  const config = toConfig(parsed.data, issuers.issuers);
  const names = config.auth.issuers.map((issuer) => issuer.issuer);
  const twice = names.find((name, index) => names.indexOf(name) !== index);
  if (twice) throw new ConfigError([`PRAESIDIUM_AUTH_ISSUERS_FILE: ${twice} is also PRAESIDIUM_AUTH_ISSUER`]);
  const practitionerIssuer = parsed.data.PRAESIDIUM_CONSENT_PRACTITIONER_ISSUER;
  if (practitionerIssuer !== undefined && !names.includes(practitionerIssuer))
    throw new ConfigError([
      `PRAESIDIUM_CONSENT_PRACTITIONER_ISSUER: ${practitionerIssuer} is not a trusted issuer (${names.join(', ') || 'none'})`,
    ]);
  return config;
}
