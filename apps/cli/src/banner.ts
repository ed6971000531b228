import type { PraesidiumConfig } from '@praesidium/config';
import { DEMO_PATIENTS, exampleEsiInputs, LUMBAR_ESI_MODEL_NAME, PERSONAS, type PersonaName } from '@praesidium/demo';
import type { RunningPlatform } from './platform.js';

/** The text `npm start` prints: where everything is, who you can be, and two curls to try. */
export function banner(platform: RunningPlatform, tokens: Partial<Record<PersonaName, string>>): string {
  const { config } = platform.deps;
  const lines = [
    '',
    'Praesidium is running.',
    '',
    `  gateway       ${config.http.gatewayUrl}`,
    `  governance    ${config.http.governanceUrl}`,
    `  sample model  http://${config.http.host}:${config.http.sampleModelPort} (accepts calls from the gateway only)`,
    `  database      ${describeDatabase(platform)}`,
    `  jobs          ${platform.deps.jobs.kind === 'bull' ? 'Bull on Redis' : 'in-process runner'}`,
    '',
  ];
  if (!config.demo) return lines.join('\n');
  lines.push('Demo personas (tokens valid for one hour; `npx praesidium token --persona NAME` makes a new one):', '');
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
  const { connection } = platform.database;
  if (connection.kind === 'server') return 'PostgreSQL (DATABASE_URL)';
  return `embedded PostgreSQL (PGlite) in ${platform.deps.config.dataDir}, socket ${connection.socketDir}`;
}
