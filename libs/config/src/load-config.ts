import { environmentSchema, toConfig, type PraesidiumConfig } from './config.schema.js';

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
  return toConfig(parsed.data);
}
