import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { AuditEventEntity, AuditStreamEntity, AuditTrail } from '@praesidium/audit';
import type { PraesidiumConfig } from '@praesidium/config';
import { acquireDatabase, dataSourceOptions, openDataSource } from '@praesidium/database';
import { contentHash } from '@praesidium/digest';
import { SigningCredentialEntity, SigningCredentials } from '@praesidium/model-registry';

export const SIGNING_PIN_USAGE = `  signing-pins unbound                             signing PINs set before PINs were kept per issuer, whose
                                                   issuer the audit trail did not show: they sign for nobody
  signing-pins bind --subject SUB --issuer ISS     bind one to the trusted issuer its signer signs in with`;

/** `praesidium signing-pins …`: an operator's decision where the record left a PIN's issuer unknown. */
export async function runSigningPinCommand(config: PraesidiumConfig, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: { subject: { type: 'string' }, issuer: { type: 'string' } },
  });
  if (sub !== 'unbound' && sub !== 'bind') return usage(`unknown signing-pins command: ${sub ?? ''}`);
  const trusted = config.auth.issuers.map((issuer) => issuer.issuer);
  if (sub === 'bind' && (!values.subject || !values.issuer))
    return usage('bind needs --subject and --issuer');
  if (sub === 'bind' && !trusted.includes(values.issuer ?? ''))
    return usage(`--issuer must be a trusted issuer: ${trusted.join(', ')}`);

  const database = await acquireDatabase({ url: config.database.url, dataDir: config.dataDir });
  try {
    const dataSource = await openDataSource(
      dataSourceOptions(
        database.connection,
        [SigningCredentialEntity, AuditEventEntity, AuditStreamEntity],
        2,
      ),
    );
    try {
      const credentials = new SigningCredentials(dataSource);
      if (sub === 'unbound') {
        for (const { subject, updatedAt } of await credentials.listUnbound())
          console.log(JSON.stringify({ subject, setAt: updatedAt.toISOString() }));
        return 0;
      }
      const subject = values.subject as string;
      const issuer = values.issuer as string;
      if (!(await credentials.bindUnbound(subject, issuer))) {
        console.error(`no unbound signing PIN of subject ${subject}`);
        return 1;
      }
      const by = `cli:${userInfo().username}`;
      // Which signer and issuer: the record commits to them by hash (no free text in the trail).
      await new AuditTrail(
        dataSource.getRepository(AuditEventEntity),
        dataSource.getRepository(AuditStreamEntity),
        'cli',
      ).append({
        action: 'signing_pin.bound',
        outcome: 'success',
        agent: { subject: by },
        requestSha256: contentHash({ subject, issuer }),
      });
      console.log(JSON.stringify({ subject, issuer }));
      return 0;
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await database.release();
  }
}

function usage(problem: string): number {
  console.error(`${problem}\nusage:\n${SIGNING_PIN_USAGE}`);
  return 2;
}
