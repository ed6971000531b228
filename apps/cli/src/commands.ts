import { parseArgs } from 'node:util';
import type { PraesidiumConfig } from '@praesidium/config';
import { acquireDatabase } from '@praesidium/database';
import { isPersonaName, mintDemoToken, PERSONAS, type PersonaName } from '@praesidium/demo';
import { KeyStore } from '@praesidium/keys';
import { ACCESS_USAGE, runAccessCommand } from './access-commands.js';
import { AUDIT_USAGE, runAuditCommand } from './audit-commands.js';
import { banner } from './banner.js';
import { CONSENT_USAGE, runConsentCommand } from './consent-commands.js';
import { BIAS_USAGE, runBiasCommand } from './bias-commands.js';
import { DOCS_USAGE, runDocsCommand } from './docs-commands.js';
import { APP_NAMES, DEFAULT_APPS, type AppName } from './app-names.js';
import { KEY_USAGE, runKeyCommand } from './key-commands.js';
import { runSigningPinCommand, SIGNING_PIN_USAGE } from './signing-pin-commands.js';

export const USAGE = `Usage: praesidium <command> [options]

Commands:
  start [--apps gateway,governance,sample-model,worker]
                                                   start the platform (all but worker by default)
  migrate                                          apply pending database migrations
  token --persona NAME [--ttl SECONDS]             print a demo token (refused in production)
${AUDIT_USAGE}
${CONSENT_USAGE}
${ACCESS_USAGE}
${KEY_USAGE}
${SIGNING_PIN_USAGE}
${BIAS_USAGE}
${DOCS_USAGE}

Every command works beside a running \`npm start\`: on the embedded database it connects to the
running platform's PGlite over its Unix socket.`;

export async function runCommand(config: PraesidiumConfig, argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start':
      return start(config, rest);
    case 'migrate':
      return withDatabase(config, async (database) => {
        const { migrate } = await import('./platform.js');
        const applied = await migrate(database);
        console.log(applied.length ? `applied: ${applied.join(', ')}` : 'the database is up to date');
        return 0;
      });
    case 'token':
      return token(config, rest);
    case 'audit':
      return runAuditCommand(config, rest);
    case 'consent':
      return runConsentCommand(config, rest);
    case 'access':
      return runAccessCommand(config, rest);
    case 'keys':
      return runKeyCommand(config, rest);
    case 'signing-pins':
      return runSigningPinCommand(config, rest);
    case 'bias':
      return runBiasCommand(rest);
    case 'docs':
      return runDocsCommand(config, rest);
    case undefined:
    case 'help':
    case '--help':
      console.log(USAGE);
      return 0;
    default:
      console.error(`unknown command: ${command}\n\n${USAGE}`);
      return 2;
  }
}

async function start(config: PraesidiumConfig, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { apps: { type: 'string' } } });
  const apps = (values.apps?.split(',').map((name) => name.trim()) ?? [...DEFAULT_APPS]) as AppName[];
  const unknown = apps.filter((name) => !(APP_NAMES as readonly string[]).includes(name));
  if (unknown.length) {
    console.error(`unknown app(s): ${unknown.join(', ')}; choose from ${APP_NAMES.join(', ')}`);
    return 2;
  }
  // Nest and the apps load only for the commands that run them: `token` and `audit` stay quick.
  const { startPlatform } = await import('./platform.js');
  const platform = await startPlatform(config, apps);
  const tokens: Partial<Record<PersonaName, string>> = {};
  if (config.demo && platform.deps) {
    for (const persona of Object.keys(PERSONAS) as PersonaName[]) {
      tokens[persona] = await mintDemoToken(platform.deps.keyStore, config, persona);
    }
  }
  console.log(banner(platform, tokens));
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log('stopping…');
  await platform.stop();
  return 0;
}

async function token(config: PraesidiumConfig, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { persona: { type: 'string' }, ttl: { type: 'string' } } });
  if (!values.persona || !isPersonaName(values.persona)) {
    console.error(`--persona must be one of: ${Object.keys(PERSONAS).join(', ')}`);
    return 2;
  }
  if (config.isProduction || !config.demo) {
    console.error(
      config.isProduction
        ? 'token.demo_refused: demo tokens are refused in production'
        : 'token.demo_refused: the demo is off (PRAESIDIUM_DEMO; auto turns it off beside a configured identity provider)',
    );
    return 1;
  }
  const longest = config.auth.maxTokenLifetimeSeconds;
  const ttl = values.ttl ? Number(values.ttl) : Math.min(3600, longest);
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > longest) {
    // The gateway refuses a token that lives longer than this, so none is minted.
    console.error(
      `--ttl must be a whole number of seconds from 1 to ${longest} (PRAESIDIUM_AUTH_MAX_TOKEN_LIFETIME_SECONDS)`,
    );
    return 2;
  }
  const keyStore = await KeyStore.openOrCreate(config.dataDir);
  console.log(await mintDemoToken(keyStore, config, values.persona, ttl));
  return 0;
}

async function withDatabase(
  config: PraesidiumConfig,
  work: (database: Awaited<ReturnType<typeof acquireDatabase>>) => Promise<number>,
): Promise<number> {
  const database = await acquireDatabase({ url: config.database.url, dataDir: config.dataDir });
  try {
    return await work(database);
  } finally {
    await database.release();
  }
}
