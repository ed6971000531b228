import type { PraesidiumConfig } from '@praesidium/config';
import {
  DEMO_PATIENTS,
  exampleEsiInputs,
  LUMBAR_ESI_MODEL_NAME,
  PERSONAS,
  type PersonaName,
} from '@praesidium/demo';
import { DEFAULT_APPS } from './app-names.js';
import type { RunningPlatform } from './platform.js';

/** The text `npm start` prints: where everything is, who you can be, and two curls to try. */
export function banner(platform: RunningPlatform, tokens: Partial<Record<PersonaName, string>>): string {
  const { config } = platform;
  const lines = [
    '',
    'Praesidium is running.',
    '',
    ...(platform.apps.includes('gateway') ? [`  gateway       ${config.http.gatewayUrl}`] : []),
    ...(platform.apps.includes('governance') ? [`  governance    ${config.http.governanceUrl}`] : []),
    ...(platform.apps.includes('sample-model')
      ? [
          `  sample model  http://${config.http.host}:${config.http.sampleModelPort} (answers the gateway only)`,
        ]
      : []),
    ...(platform.deps
      ? [
          `  database      ${describeDatabase(platform)}`,
          `  jobs          ${platform.deps.jobs.kind === 'bull' ? 'Bull on Redis' : 'in-process runner'}`,
        ]
      : []),
    '',
  ];
  if (!config.demo || !DEFAULT_APPS.every((app) => platform.apps.includes(app))) return lines.join('\n');
  lines.push(
    'Demo personas (tokens valid for one hour; `npx praesidium token --persona NAME` makes a new one):',
    '',
  );
  for (const [name, persona] of Object.entries(PERSONAS)) {
    lines.push(`  ${name.padEnd(22)} ${persona.name}, ${persona.description}`);
    const token = tokens[name as PersonaName];
    if (token) lines.push(`  ${''.padEnd(22)} ${token}`, '');
  }
  const clinician = tokens['pain-clinician'] ?? '$TOKEN';
  lines.push(
    `Demo patients: ${DEMO_PATIENTS.consented} consented to AI-assisted treatment; ${DEMO_PATIENTS.refused} refused.`,
    '',
    'An allowed inference (consented patient):',
    '',
    inferenceCurl(config, clinician, DEMO_PATIENTS.consented),
    '',
    'A refused inference (the patient refused; answers problem+json with code consent.denied):',
    '',
    inferenceCurl(config, clinician, DEMO_PATIENTS.refused),
    '',
    'Both are in the audit trail: `npx praesidium audit tail` lists the latest records, `npx praesidium audit verify` checks every chain.',
    '',
  );
  return lines.join('\n');
}

export function inferenceCurl(config: PraesidiumConfig, token: string, patient: string): string {
  const body = JSON.stringify({
    parameters: { patient, purpose_of_use: 'TREAT' },
    inputs: exampleEsiInputs(),
  });
  return [
    `curl -sS -X POST ${config.http.gatewayUrl}/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer \\`,
    `  -H 'Authorization: Bearer ${token}' \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -d '${body}'`,
  ].join('\n');
}

function describeDatabase(platform: RunningPlatform): string {
  const connection = platform.database?.connection;
  if (connection?.kind !== 'embedded') return 'PostgreSQL (DATABASE_URL)';
  return `embedded PostgreSQL (PGlite) in ${platform.config.dataDir}, socket ${connection.socketDir}`;
}
