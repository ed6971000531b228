import { parseArgs } from 'node:util';
import type { PraesidiumConfig } from '@praesidium/config';
import { isRetired, KeyStore, type KeyPurpose } from '@praesidium/keys';

export const KEY_USAGE = `  keys list --purpose gateway-encryption           the purpose's keys: kid, alg, created, retires, state (JSON lines)
  keys rotate --purpose gateway-encryption [--grace-seconds N]
                                                   add new current keys; the older ones keep decrypting for N s
                                                   (default PRAESIDIUM_KEY_GRACE_SECONDS), running gateways follow
  keys retire --purpose gateway-encryption         end the grace period of every superseded key now (compromise)`;

/** Purposes whose keys rotate with a grace period here (others have their own commands, e.g. consent rewrap-keys). */
const ROTATABLE: readonly KeyPurpose[] = ['gateway-encryption'];

export async function runKeyCommand(config: PraesidiumConfig, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: { purpose: { type: 'string' }, 'grace-seconds': { type: 'string' } },
  });
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
