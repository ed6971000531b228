import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { PraesidiumConfig } from '@praesidium/config';
import { acquireDatabase, dataSourceOptions, openDataSource } from '@praesidium/database';
import { KeyStore, type Jwks } from '@praesidium/keys';
import { ModelEntity, ModelVersionEntity, REGISTRY_ENTITIES } from '@praesidium/model-registry';
import {
  DOCUMENT_KINDS,
  findInstallation,
  generateSubmission,
  isDocumentKind,
  loadSnapshot,
  pdfUnavailable,
  RecordNotFoundError,
  verifySubmission,
  writeSubmission,
  type PackageLock,
} from '@praesidium/regulatory-docs';

export const DOCS_USAGE = `  docs generate --model NAME --version V --out DIR [--kind KIND[,…]] [--pdf] [--lockfile FILE]
                                                   write the signed submission bundle of a model version from the
                                                   registry: every document (${DOCUMENT_KINDS.join(', ')}) as HTML,
                                                   Markdown, DOCX (and PDF with --pdf, needs /usr/bin/chromium),
                                                   completeness JSON, the model card JSON, the CycloneDX SBOM, and
                                                   manifest.jws (SHA-256 of every file, signed with the platform's
                                                   regulatory-bundle key); prints each gap as a JSON line
  docs verify BUNDLE_DIR [--jwks FILE]             check a bundle's signature and every byte of its files against
                                                   this installation's regulatory-bundle keys (or FILE's); exit 1
                                                   if anything was edited, added or removed`;

const OPTIONS = {
  model: { type: 'string' },
  version: { type: 'string' },
  kind: { type: 'string' },
  out: { type: 'string' },
  lockfile: { type: 'string' },
  pdf: { type: 'boolean' },
  jwks: { type: 'string' },
} as const;

/** `praesidium docs …`: offline, straight from the database (no server needed). */
export async function runDocsCommand(config: PraesidiumConfig, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'generate' && sub !== 'verify') return usage();
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: rest, options: OPTIONS, allowPositionals: true });
  } catch (error) {
    return usage(error instanceof Error ? error.message : String(error));
  }
  return sub === 'verify'
    ? verify(config, parsed.positionals, parsed.values.jwks)
    : generate(config, parsed.values, parsed.positionals);
}

async function verify(config: PraesidiumConfig, positionals: string[], jwksFile: string | undefined) {
  const [dir, ...extra] = positionals;
  if (!dir || extra.length) return usage('docs verify takes one bundle directory');
  let trusted: Jwks;
  if (jwksFile) trusted = JSON.parse(await readFile(jwksFile, 'utf8')) as Jwks;
  else if (existsSync(KeyStore.filePath(config.dataDir)))
    trusted = await (await KeyStore.openOrCreate(config.dataDir)).publicJwks('regulatory-bundle');
  else {
    console.error(
      `docs: no key store at ${KeyStore.filePath(config.dataDir)}: pass --jwks FILE, the public keys of the platform that signed the bundle`,
    );
    return 2;
  }
  const result = await verifySubmission(dir, trusted);
  console.log(
    JSON.stringify({
      valid: result.valid,
      files: result.files,
      model: result.manifest?.model,
      version: result.manifest?.version,
      generatedAt: result.manifest?.generatedAt,
      problems: result.problems,
    }),
  );
  return result.valid ? 0 : 1;
}

async function generate(
  config: PraesidiumConfig,
  values: { model?: string; version?: string; kind?: string; out?: string; lockfile?: string; pdf?: boolean },
  positionals: string[],
): Promise<number> {
  if (positionals.length) return usage(`unexpected argument ${positionals[0]}`);
  if (!values.model || !values.version || !values.out)
    return usage('--model, --version and --out are required');
  const kinds = (values.kind ?? DOCUMENT_KINDS.join(',')).split(',').map((kind) => kind.trim());
  const unknown = kinds.filter((kind) => !isDocumentKind(kind));
  if (unknown.length) return usage(`unknown --kind ${unknown.join(', ')}`);
  const noPdf = values.pdf ? pdfUnavailable() : undefined;
  if (noPdf) {
    console.error(
      `docs: ${noPdf.replace('; HTML, Markdown and DOCX were written', '')}; nothing was written`,
    );
    return 1;
  }
  const lock = JSON.parse(
    await readFile(values.lockfile ?? findInstallation('package-lock.json'), 'utf8'),
  ) as PackageLock;
  const keyStore = await KeyStore.openOrCreate(config.dataDir);

  const database = await acquireDatabase({ url: config.database.url, dataDir: config.dataDir });
  try {
    const dataSource = await openDataSource(
      dataSourceOptions(database.connection, [ModelEntity, ModelVersionEntity, ...REGISTRY_ENTITIES], 2),
    );
    try {
      const snapshot = await loadSnapshot(dataSource.manager, values.model, values.version);
      const bundle = await generateSubmission(
        { snapshot, lock, generatedAt: new Date().toISOString(), pdf: values.pdf === true },
        {
          privateJwk: keyStore.current('regulatory-bundle'),
          publicJwks: await keyStore.publicJwks('regulatory-bundle'),
        },
        kinds.filter(isDocumentKind),
      );
      await writeSubmission(values.out, bundle);
      for (const kind of Object.keys(bundle.manifest.gaps)) {
        const file = bundle.files.find((candidate) => candidate.name.endsWith(`-${kind}.completeness.json`));
        const gaps = file ? (JSON.parse(file.content) as Record<string, unknown>[]) : [];
        for (const gap of gaps) console.log(JSON.stringify({ kind, ...gap }));
        console.log(JSON.stringify({ kind, gaps: gaps.length }));
      }
      console.log(
        JSON.stringify({
          bundle: values.out,
          files: bundle.manifest.files.length,
          manifestSha256: bundle.files.find((file) => file.name === 'manifest.json')?.sha256,
        }),
      );
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
