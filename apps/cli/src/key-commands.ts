import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { AuditEventEntity, AuditStreamEntity, AuditTrail } from '@praesidium/audit';
import type { PraesidiumConfig } from '@praesidium/config';
import { acquireDatabase, dataSourceOptions, openDataSource } from '@praesidium/database';
import {
  BackendKeyDirectory,
  BackendKeyEntity,
  isRetired,
  JweError,
  KeyStore,
  type Jwk,
  type KeyPurpose,
} from '@praesidium/keys';

export const KEY_USAGE = `  keys list --purpose gateway-encryption           the purpose's keys: kid, alg, created, retires, state (JSON lines)
  keys rotate --purpose gateway-encryption [--grace-seconds N]
                                                   add new current keys; the older ones keep decrypting for N s
                                                   (default PRAESIDIUM_KEY_GRACE_SECONDS), running gateways follow
  keys retire --purpose gateway-encryption         end the grace period of every superseded key now (compromise)
  keys register-backend --url BACKEND_URL --jwk PUBLIC_JWK.json
                                                   the gateway forwards to that backend URL as JWE to this key`;

/** Purposes whose keys rotate with a grace period here (others have their own commands, e.g. consent rewrap-keys). */
const ROTATABLE: readonly KeyPurpose[] = ['gateway-encryption'];

export async function runKeyCommand(config: PraesidiumConfig, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: {
      purpose: { type: 'string' },
      'grace-seconds': { type: 'string' },
      url: { type: 'string' },
      jwk: { type: 'string' },
    },
  });
  if (sub === 'register-backend') return registerBackend(config, values.url, values.jwk);
  const purpose = values.purpose as KeyPurpose | undefined;
  if (!purpose || !ROTATABLE.includes(purpose)) {
    console.error(`--purpose must be one of: ${ROTATABLE.join(', ')}`);
    return 2;
  }
  switch (sub) {
    case 'list':
      printKeys(await KeyStore.openOrCreate(config.dataDir), purpose);
      return 0;
    case 'rotate': {
      const grace = values['grace-seconds'] ?? String(config.keys.graceSeconds);
      if (!/^\d{1,8}$/.test(grace)) {
        console.error('--grace-seconds must be a whole number of seconds');
        return 2;
      }
      printKeys(await KeyStore.rotateWithGrace(config.dataDir, purpose, Number(grace)), purpose);
      return 0;
    }
    case 'retire':
      printKeys(await KeyStore.retireSuperseded(config.dataDir, purpose), purpose);
      return 0;
    default:
      console.error(`unknown keys command: ${sub ?? ''}\n${KEY_USAGE}`);
      return 2;
  }
}

function printKeys(store: KeyStore, purpose: KeyPurpose): void {
  const now = new Date();
  const current = new Set(store.currentKeys(purpose).map((key) => key.kid));
  for (const key of store.keysOf(purpose)) {
    const state = current.has(key.jwk.kid) ? 'current' : isRetired(key, now) ? 'retired' : 'grace';
    console.log(
      JSON.stringify({
        kid: key.jwk.kid,
        alg: key.jwk.alg,
        createdAt: key.createdAt,
        retiresAt: key.retiresAt ?? null,
        state,
      }),
    );
  }
}

/** Registers a backend's public key; audited like every change of what the gateway trusts. */
async function registerBackend(
  config: PraesidiumConfig,
  url: string | undefined,
  jwkFile: string | undefined,
): Promise<number> {
  if (!url || !URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol) || !jwkFile) {
    console.error('--url must be the backend URL the registry names, --jwk a file with its public JWK');
    return 2;
  }
  const jwk = JSON.parse(await readFile(jwkFile, 'utf8')) as Jwk;
  const database = await acquireDatabase({ url: config.database.url, dataDir: config.dataDir });
  try {
    const dataSource = await openDataSource(
      dataSourceOptions(database.connection, [BackendKeyEntity, AuditEventEntity, AuditStreamEntity], 2),
    );
    try {
      const by = `cli:${userInfo().username}`;
      const directory = new BackendKeyDirectory(dataSource.getRepository(BackendKeyEntity));
      const registered = await directory.register(url, jwk, by);
      await new AuditTrail(
        dataSource.getRepository(AuditEventEntity),
        dataSource.getRepository(AuditStreamEntity),
        'cli',
      ).append({ action: 'backend_key.registered', outcome: 'success', agent: { subject: by } });
      console.log(
        JSON.stringify({ url: new URL(url).href, kid: registered.kid, alg: registered.alg ?? null }),
      );
      return 0;
    } catch (error) {
      if (!(error instanceof JweError)) throw error;
      console.error(JSON.stringify({ code: 'client_key.invalid', detail: error.message }));
      return 1;
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await database.release();
  }
}
