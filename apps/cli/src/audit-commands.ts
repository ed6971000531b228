import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { DataSource } from 'typeorm';
import {
  AuditCheckpoints,
  AuditEventEntity,
  AuditStreamEntity,
  AuditTrail,
  dropAuditMonth,
  type ArchiveFiles,
  exportAuditMonth,
  verifyAudit,
  verifyAuditArchive,
} from '@praesidium/audit';
import type { PraesidiumConfig } from '@praesidium/config';
import { acquireDatabase, dataSourceOptions, openDataSource } from '@praesidium/database';
import type { Jwks } from '@praesidium/keys';
import { KeyStore } from '@praesidium/keys';
import { ProblemError } from '@praesidium/problem';

export const AUDIT_USAGE = `  audit verify [--from-checkpoint N]               recompute every hash chain and signed checkpoint (or only what
                                                   came after checkpoint N, verified earlier); exit 1 if one is broken
  audit checkpoint                                 sign a checkpoint over the records committed since the last one
  audit tail [--limit N]                           print the latest audit records as JSON lines
  audit archive --month YYYY-MM [--out DIR]        write a closed month as NDJSON with a signed manifest and its keys
  audit verify-archive --month YYYY-MM [--dir DIR] [--jwks FILE]
                                                   check such an archive against this installation's audit keys
                                                   (or the public keys in FILE, never the archive's own); exit 1
                                                   if it does not verify
  audit retention --drop-month YYYY-MM --archive FILE
                                                   drop a closed month's partition once FILE (its archive's .ndjson,
                                                   beside its .manifest.jws and .jwks.json) verifies and matches it;
                                                   exit 1 with the reason when refused`;

interface AuditContext {
  readonly config: PraesidiumConfig;
  readonly dataSource: DataSource;
  readonly trail: AuditTrail;
  readonly checkpoints: AuditCheckpoints;
  readonly keyStore: KeyStore;
  readonly values: {
    limit?: string;
    month?: string;
    out?: string;
    dir?: string;
    archive?: string;
    'from-checkpoint'?: string;
    'drop-month'?: string;
  };
}

const COMMANDS: Record<string, (context: AuditContext) => Promise<number>> = {
  async verify({ trail, checkpoints, values }) {
    const from = values['from-checkpoint'] === undefined ? undefined : Number(values['from-checkpoint']);
    if (from !== undefined && !(Number.isInteger(from) && from >= 1)) return usage();
    const result = await verifyAudit(trail, checkpoints, { fromCheckpoint: from });
    for (const stream of result.streams) console.log(JSON.stringify(stream));
    console.log(JSON.stringify({ checkpoints: result.checkpoints }));
    console.log(
      JSON.stringify({
        valid: result.valid,
        streams: result.streams.length,
        checkpoints: result.checkpoints.checked,
        records: result.streams.reduce((sum, stream) => sum + stream.checked, 0),
      }),
    );
    return result.valid ? 0 : 1;
  },
  async checkpoint({ checkpoints }) {
    const checkpoint = await checkpoints.createCheckpoint();
    console.log(
      JSON.stringify(checkpoint ?? { checkpoint: null, reason: 'nothing new since the last checkpoint' }),
    );
    return 0;
  },
  async tail({ trail, values }) {
    const { records } = await trail.search({ limit: Number.parseInt(values.limit ?? '20', 10) || 20 });
    for (const record of records.reverse()) console.log(JSON.stringify(record));
    return 0;
  },
  async archive({ dataSource, keyStore, values }) {
    if (!values.month) return usage();
    const archive = await exportAuditMonth(dataSource, keyStore, values.month);
    const files = archiveFiles(values.out ?? '.', values.month);
    await mkdir(path.dirname(files.ndjson), { recursive: true, mode: 0o700 });
    // Who did what, from where, about which (pseudonymized) patient: readable by its owner only.
    await writePrivate(files.ndjson, archive.ndjson);
    await writePrivate(files.manifest, archive.manifestJws);
    await writePrivate(files.jwks, JSON.stringify(archive.jwks, null, 2));
    console.log(JSON.stringify({ month: values.month, records: archive.manifest.records, files }));
    return 0;
  },
  async retention({ dataSource, keyStore, values }) {
    const month = values['drop-month'];
    if (!month) return usage();
    if (!values.archive) {
      console.error(
        'audit.retention_refused: --archive is required: archive the month first (audit archive)',
      );
      return 1;
    }
    const files = await readArchiveFiles(values.archive);
    if (typeof files === 'string') {
      console.error(`audit.retention_refused: ${files}`);
      return 1;
    }
    try {
      console.log(JSON.stringify(await dropAuditMonth(dataSource, keyStore, 'cli', month, files)));
      return 0;
    } catch (error) {
      if (!(error instanceof ProblemError)) throw error;
      console.error(error.message);
      return 1;
    }
  },
};

/** `praesidium audit …`; `verify-archive` needs no database (only the key store, or `--jwks`), the others open it. */
export async function runAuditCommand(config: PraesidiumConfig, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parseArgs({
    args: rest,
    options: {
      limit: { type: 'string' },
      month: { type: 'string' },
      out: { type: 'string' },
      dir: { type: 'string' },
      archive: { type: 'string' },
      'from-checkpoint': { type: 'string' },
      'drop-month': { type: 'string' },
      jwks: { type: 'string' },
    },
  });
  if (sub === 'verify-archive')
    return verifyArchiveFiles(config, values.dir ?? '.', values.month, values.jwks);
  const command = sub ? COMMANDS[sub] : undefined;
  if (!command) return usage();
  const database = await acquireDatabase({ url: config.database.url, dataDir: config.dataDir });
  try {
    const dataSource = await openDataSource(
      dataSourceOptions(database.connection, [AuditEventEntity, AuditStreamEntity], 2),
    );
    try {
      const keyStore = await KeyStore.openOrCreate(config.dataDir);
      const trail = new AuditTrail(
        dataSource.getRepository(AuditEventEntity),
        dataSource.getRepository(AuditStreamEntity),
        'cli',
      );
      const checkpoints = new AuditCheckpoints(dataSource, keyStore);
      return await command({ config, dataSource, trail, checkpoints, keyStore, values });
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await database.release();
  }
}

async function verifyArchiveFiles(
  config: PraesidiumConfig,
  dir: string,
  month: string | undefined,
  jwksFile: string | undefined,
): Promise<number> {
  if (!month) return usage();
  const trusted = await trustedArchiveKeys(config, jwksFile);
  if (!trusted) {
    console.error(
      `audit: no key store at ${KeyStore.filePath(config.dataDir)}: pass --jwks FILE, the platform's audit keys (GET {governance}/audit/checkpoint-keys.json), obtained out of band`,
    );
    return 2;
  }
  const files = archiveFiles(dir, month);
  const result = await verifyAuditArchive(
    await readFile(files.ndjson, 'utf8'),
    (await readFile(files.manifest, 'utf8')).trim(),
    trusted,
    { month },
  );
  console.log(JSON.stringify(result));
  return result.valid ? 0 : 1;
}

/**
 * The keys an archive must be signed with: the ones named, else this installation's. Never the
 * `.jwks.json` beside the archive: whoever can rewrite an archive can rewrite its keys too.
 */
async function trustedArchiveKeys(
  config: PraesidiumConfig,
  jwksFile: string | undefined,
): Promise<Jwks | undefined> {
  if (jwksFile) return JSON.parse(await readFile(jwksFile, 'utf8')) as Jwks;
  if (!existsSync(KeyStore.filePath(config.dataDir))) return undefined;
  return (await KeyStore.openOrCreate(config.dataDir)).publicJwks('audit-checkpoint');
}

/** An archive named by any of its three files; a message when one of them cannot be read. */
async function readArchiveFiles(file: string): Promise<ArchiveFiles | string> {
  const base = file.replace(/\.(ndjson|manifest\.jws|jwks\.json)$/, '');
  try {
    return {
      ndjson: await readFile(`${base}.ndjson`, 'utf8'),
      manifestJws: (await readFile(`${base}.manifest.jws`, 'utf8')).trim(),
      jwks: JSON.parse(await readFile(`${base}.jwks.json`, 'utf8')) as Jwks,
    };
  } catch {
    return `the archive ${base}.ndjson, .manifest.jws and .jwks.json cannot all be read`;
  }
}

/** Mode 0600 whatever the umask, also when the file was there before. */
async function writePrivate(file: string, content: string): Promise<void> {
  await writeFile(file, content, { mode: 0o600 });
  await chmod(file, 0o600);
}

function archiveFiles(dir: string, month: string) {
  const base = path.join(dir, `praesidium-audit-${month}`);
  return { ndjson: `${base}.ndjson`, manifest: `${base}.manifest.jws`, jwks: `${base}.jwks.json` };
}

function usage(): number {
  console.error(`usage:\n${AUDIT_USAGE}`);
  return 2;
}
