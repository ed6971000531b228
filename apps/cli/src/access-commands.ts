import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import {
  PrincipalSuspensionEntity,
  PrincipalSuspensions,
  suspensionAuditEntity,
  type Identity,
  type SuspensionView,
} from '@praesidium/access';
import { AuditEventEntity, AuditStreamEntity, AuditTrail } from '@praesidium/audit';
import type { PraesidiumConfig } from '@praesidium/config';
import { acquireDatabase, dataSourceOptions, openDataSource } from '@praesidium/database';
import { contentHash } from '@praesidium/digest';
import { ProblemError } from '@praesidium/problem';

export const ACCESS_USAGE = `  access suspend --subject SUB [--issuer ISS] --reason TEXT [--by WHO]
                                                   suspend a person (the first trusted issuer by default): every
                                                   gateway, the API and the console refuse their tokens within 1 s
  access lift ID --reason TEXT [--by WHO]          lift a suspension: the person is let in again within 1 s
  access suspensions [--all]                       the active suspensions (--all: the lifted ones too), JSON lines`;

/** What a suspension made here names as its author's issuer: an operator at the console of a server. */
const CLI_ISSUER = 'praesidium-cli';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Values = Record<string, string | boolean | undefined>;

interface AccessContext {
  readonly suspensions: PrincipalSuspensions;
  readonly trail: AuditTrail;
  readonly by: Identity;
  readonly values: Values;
  readonly id: string | undefined;
}

const COMMANDS: Record<string, (context: AccessContext) => Promise<number>> = {
  async suspend({ suspensions, trail, by, values }) {
    const { subject, issuer, reason } = values;
    if (typeof subject !== 'string' || typeof issuer !== 'string' || typeof reason !== 'string')
      return usage('suspend needs --subject and --reason');
    const suspended = await suspensions.suspendPrincipal(by, { subject, issuer, reason });
    return changed(trail, 'principal.suspended', by, suspended, contentHash({ issuer, subject, reason }));
  },
  async lift({ suspensions, trail, by, values, id }) {
    if (id === undefined || !UUID.test(id) || typeof values.reason !== 'string')
      return usage('lift needs a suspension id and --reason');
    const lifted = await suspensions.liftSuspension(id, by, values.reason);
    return changed(trail, 'principal.suspension_lifted', by, lifted, contentHash({ reason: values.reason }));
  },
  async suspensions({ suspensions, values }) {
    for (const suspension of await suspensions.listSuspensions(values.all ? 'all' : 'active'))
      console.log(JSON.stringify(suspension));
    return 0;
  },
};

/**
 * `praesidium access …`: suspending a person from a shell beside the platform, as the API does, for an
 * operator (`--by`, else `cli:<user>`). Running gateways read it within a second, as they read the API's.
 */
export async function runAccessCommand(config: PraesidiumConfig, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const command = sub ? COMMANDS[sub] : undefined;
  if (!command) return usage(`unknown access command: ${sub ?? ''}`);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      subject: { type: 'string' },
      issuer: { type: 'string', default: config.auth.issuers[0]?.issuer },
      reason: { type: 'string' },
      by: { type: 'string' },
      all: { type: 'boolean' },
    },
  });
  const database = await acquireDatabase({ url: config.database.url, dataDir: config.dataDir });
  try {
    const dataSource = await openDataSource(
      dataSourceOptions(
        database.connection,
        [PrincipalSuspensionEntity, AuditEventEntity, AuditStreamEntity],
        2,
      ),
    );
    try {
      return await command({
        suspensions: new PrincipalSuspensions(dataSource, config),
        trail: new AuditTrail(
          dataSource.getRepository(AuditEventEntity),
          dataSource.getRepository(AuditStreamEntity),
          'cli',
        ),
        by: { subject: values.by ?? `cli:${userInfo().username}`, issuer: CLI_ISSUER },
        values,
        id: positionals[0],
      });
    } catch (error) {
      if (!(error instanceof ProblemError)) throw error;
      console.error(JSON.stringify({ code: error.code, title: error.title, detail: error.detail }));
      return 1;
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await database.release();
  }
}

/** Audits the change (its reason bound by hash, no free text in the trail) and prints it. */
async function changed(
  trail: AuditTrail,
  action: string,
  by: Identity,
  suspension: SuspensionView,
  requestSha256: string,
): Promise<number> {
  await trail.append({
    action,
    outcome: 'success',
    agent: { subject: by.subject },
    entity: suspensionAuditEntity(suspension),
    requestSha256,
  });
  console.log(JSON.stringify(suspension));
  return 0;
}

function usage(problem: string): number {
  console.error(`${problem}\nusage:\n${ACCESS_USAGE}`);
  return 2;
}
