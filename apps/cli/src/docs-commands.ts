import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { PraesidiumConfig } from '@praesidium/config';
import { acquireDatabase, dataSourceOptions, openDataSource } from '@praesidium/database';
import { ModelEntity, ModelVersionEntity, REGISTRY_ENTITIES } from '@praesidium/model-registry';
import {
  DOCUMENT_KINDS,
  findInstallation,
  generateDocument,
  isDocumentKind,
  loadSnapshot,
  RecordNotFoundError,
  type PackageLock,
} from '@praesidium/regulatory-docs';

export const DOCS_USAGE = `  docs generate --model NAME --version V [--kind ${DOCUMENT_KINDS.join('|')}[,…]] --out DIR [--lockfile FILE]
                                                   write regulatory documents of a model version from the registry
                                                   (HTML, Markdown, completeness report; sbom: CycloneDX JSON) and
                                                   a SHA256SUMS manifest; prints the completeness gaps as JSON lines`;

const OPTIONS = {
  model: { type: 'string' },
  version: { type: 'string' },
  kind: { type: 'string' },
  out: { type: 'string' },
  lockfile: { type: 'string' },
} as const;

/** `praesidium docs generate …`: offline, straight from the database (no server needed). */
export async function runDocsCommand(config: PraesidiumConfig, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'generate') return usage();
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];
  try {
    values = parseArgs({ args: rest, options: OPTIONS }).values;
  } catch (error) {
    return usage(error instanceof Error ? error.message : String(error));
  }
  if (!values.model || !values.version || !values.out)
    return usage('--model, --version and --out are required');
  const kinds = (values.kind ?? DOCUMENT_KINDS.join(',')).split(',').map((kind) => kind.trim());
  const unknown = kinds.filter((kind) => !isDocumentKind(kind));
  if (unknown.length) return usage(`unknown --kind ${unknown.join(', ')}`);
  const lock = JSON.parse(
    await readFile(values.lockfile ?? findInstallation('package-lock.json'), 'utf8'),
  ) as PackageLock;

  const database = await acquireDatabase({ url: config.database.url, dataDir: config.dataDir });
  try {
    const dataSource = await openDataSource(
      dataSourceOptions(database.connection, [ModelEntity, ModelVersionEntity, ...REGISTRY_ENTITIES], 2),
    );
    try {
      const snapshot = await loadSnapshot(dataSource.manager, values.model, values.version);
      const generatedAt = new Date().toISOString();
      await mkdir(values.out, { recursive: true });
      const sums: string[] = [];
      for (const kind of kinds.filter(isDocumentKind)) {
        const generated = generateDocument(kind, { snapshot, lock, generatedAt });
        for (const file of generated.files) {
          await writeFile(path.join(values.out, file.name), file.content);
          sums.push(`${file.sha256}  ${file.name}\n`);
        }
        for (const gap of generated.completeness) console.log(JSON.stringify({ kind, ...gap }));
        console.log(
          JSON.stringify({
            kind,
            files: generated.files.map((file) => file.name),
            gaps: generated.completeness.length,
            bundleSha256: generated.bundleSha256,
          }),
        );
      }
      await writeFile(path.join(values.out, 'SHA256SUMS'), sums.join(''));
      return 0;
    } catch (error) {
      if (!(error instanceof RecordNotFoundError)) throw error;
      console.error(`docs: ${error.message}`);
      return 1;
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await database.release();
  }
}

function usage(message?: string): number {
  if (message) console.error(message);
  console.error(`Usage:\n${DOCS_USAGE}`);
  return 2;
}
