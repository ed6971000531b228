import { praesidium } from './cli.js';

/** A CLI process on a loaded 2-core machine can take tens of seconds to load and connect. */
const CLI_TIMEOUT_MS = 120_000;

export interface AuditVerdict {
  readonly valid: boolean;
  readonly streams: number;
  readonly checkpoints: number;
  readonly records: number;
  /** Every stream's own result line, as `audit verify` prints it. */
  readonly perStream: readonly { streamId: string; valid: boolean; checked: number }[];
}

/**
 * Signs a checkpoint over every stream (`praesidium audit checkpoint`), then verifies every chain and
 * every checkpoint from scratch (`praesidium audit verify`), as an operator would after an incident:
 * in a process of its own, on the database and data directory (keys) of the platform. With
 * `checkpoint: false` only the verification runs (a checkpoint was signed otherwise).
 */
export async function checkpointAndVerify(
  databaseUrl: string,
  dataDir: string,
  options: { checkpoint?: boolean } = {},
): Promise<AuditVerdict> {
  const env = {
    DATABASE_URL: databaseUrl,
    PRAESIDIUM_DATA_DIR: dataDir,
    PRAESIDIUM_MIGRATE_ON_START: 'false',
  };
  if (options.checkpoint ?? true) {
    const checkpoint = await praesidium(['audit', 'checkpoint'], env, CLI_TIMEOUT_MS);
    if (checkpoint.code !== 0) throw new Error(`audit checkpoint failed: ${checkpoint.stderr}`);
  }
  const verify = await praesidium(['audit', 'verify'], env, CLI_TIMEOUT_MS);
  const lines = verify.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const summary = lines.at(-1) as Omit<AuditVerdict, 'perStream'>;
  const perStream = lines.filter((line) => 'streamId' in line) as unknown as AuditVerdict['perStream'];
  if ((verify.code === 0) !== summary.valid) throw new Error(`audit verify: ${verify.stderr}`);
  return { ...summary, perStream };
}
