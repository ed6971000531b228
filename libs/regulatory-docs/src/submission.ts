import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { zipSync, type Zippable } from 'fflate';
import { JwsError, signJwt, verificationKeys, type Jwk, type Jwks } from '@praesidium/keys';
import {
  DOCUMENT_KINDS,
  fileBytes,
  generateDocument,
  sha256Hex,
  textFile,
  type DocumentKind,
  type GeneratedFile,
  type GenerationInputs,
} from './bundle.js';

export const MANIFEST_JWS = 'manifest.jws';
export const MANIFEST_JSON = 'manifest.json';
export const SIGNING_KEYS = 'signing-keys.jwks.json';
export const SUMS = 'SHA256SUMS';
/** `typ` of the manifest's JWS header, since the first bundle; `verifySubmission` requires it. */
export const BUNDLE_JWS_TYPE = 'praesidium-submission-manifest+jws';

/** What the signature covers: every file of the bundle by name and SHA-256. */
export interface SubmissionManifest {
  readonly iss: 'praesidium-regulatory-docs';
  readonly kind: 'regulatory-submission-bundle';
  readonly model: string;
  readonly version: string;
  readonly manifestSha256: string;
  readonly generatedAt: string;
  readonly files: readonly { name: string; mediaType: string; sha256: string }[];
  /** Gaps per document kind (the completeness report of each is one of the files). */
  readonly gaps: Readonly<Record<string, number>>;
}

export interface SubmissionBundle {
  readonly manifest: SubmissionManifest;
  readonly manifestJws: string;
  readonly files: readonly GeneratedFile[];
}

/** The manifest as `manifest.json` holds it: the signed payload, pretty-printed. */
export const manifestText = (manifest: SubmissionManifest) => `${JSON.stringify(manifest, null, 2)}\n`;
const sumsText = (files: SubmissionManifest['files']) =>
  files.map((file) => `${file.sha256}  ${file.name}\n`).join('');

/**
 * Every document of a model version, the SBOM, the public signing keys and a manifest of their
 * SHA-256 hashes signed as a JWS (ES256) with the platform's `regulatory-bundle` key.
 */
export async function generateSubmission(
  inputs: GenerationInputs,
  signing: { privateJwk: Jwk; publicJwks: Jwks },
  kinds: readonly DocumentKind[] = DOCUMENT_KINDS,
  /** Called after each document, with how many are done of how many (a job's progress). */
  onDocument?: (done: number, total: number) => Promise<void> | void,
): Promise<SubmissionBundle> {
  const files: GeneratedFile[] = [];
  const gaps: Record<string, number> = {};
  // One inputs object for every document: the SBOM is then built once.
  const shared: GenerationInputs = { ...inputs };
  for (const [index, kind] of kinds.entries()) {
    const generated = await generateDocument(kind, shared);
    files.push(...generated.files);
    if (kind !== 'sbom') gaps[kind] = generated.completeness.length;
    await onDocument?.(index + 1, kinds.length);
  }
  files.push(
    textFile(SIGNING_KEYS, 'application/jwk-set+json', `${JSON.stringify(signing.publicJwks, null, 2)}\n`),
  );
  const manifest: SubmissionManifest = {
    iss: 'praesidium-regulatory-docs',
    kind: 'regulatory-submission-bundle',
    model: inputs.snapshot.model.name,
    version: inputs.snapshot.version.version,
    manifestSha256: inputs.snapshot.version.manifestSha256,
    generatedAt: inputs.generatedAt,
    files: files.map(({ name, mediaType, sha256 }) => ({ name, mediaType, sha256 })),
    gaps,
  };
  const manifestJws = await signJwt(signing.privateJwk, { ...manifest }, BUNDLE_JWS_TYPE);
  files.push(textFile(MANIFEST_JSON, 'application/json', manifestText(manifest)));
  files.push(textFile(SUMS, 'text/plain', sumsText(manifest.files)));
  return { manifest, manifestJws, files };
}

/** Every file of the bundle as written to disk: the generated files and `manifest.jws`. */
export function submissionFiles(bundle: SubmissionBundle): GeneratedFile[] {
  return [...bundle.files, textFile(MANIFEST_JWS, 'application/jose', bundle.manifestJws)];
}

export async function writeSubmission(dir: string, bundle: SubmissionBundle): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const file of submissionFiles(bundle)) await writeFile(path.join(dir, file.name), fileBytes(file));
}

/** The fixed time of every archive entry: the archive's bytes depend on the files alone. */
const ARCHIVE_MTIME = new Date('2000-01-01T00:00:00Z');

/**
 * A bundle's files as one ZIP archive under the folder `folder/`: extracted, that folder is what
 * `praesidium docs verify` checks (nothing else is in it, so no file reads as added).
 */
export function submissionArchive(files: readonly GeneratedFile[], folder: string): Uint8Array {
  if (path.basename(folder) !== folder || folder.startsWith('.'))
    throw new Error('the archive folder must be a plain name');
  const entries: Zippable = {};
  for (const file of files) {
    if (path.basename(file.name) !== file.name) throw new Error('a bundle file name must be a plain name');
    entries[`${folder}/${file.name}`] = [fileBytes(file), { mtime: ARCHIVE_MTIME }];
  }
  return zipSync(entries, { level: 6 });
}

export interface SubmissionVerification {
  readonly valid: boolean;
  readonly files: number;
  readonly problems: readonly string[];
  readonly manifest?: SubmissionManifest;
}

/**
 * Checks a bundle directory against trusted public keys: the manifest's signature and JWS `typ`, then
 * every file's SHA-256, `manifest.json` and `SHA256SUMS` against the signed manifest, and no file
 * missing or added.
 */
export async function verifySubmission(dir: string, trusted: Jwks): Promise<SubmissionVerification> {
  let manifest: SubmissionManifest;
  try {
    const jws = (await readFile(path.join(dir, MANIFEST_JWS), 'utf8')).trim();
    const keys = await verificationKeys(trusted);
    manifest = JSON.parse(
      Buffer.from(await keys.verify(jws, { algorithms: ['ES256'], expectedTyp: BUNDLE_JWS_TYPE })).toString(
        'utf8',
      ),
    ) as SubmissionManifest;
  } catch (error) {
    if (error instanceof JwsError && error.failure === 'type_unexpected')
      return {
        valid: false,
        files: 0,
        problems: [`${MANIFEST_JWS}: not a submission manifest: ${error.message}`],
      };
    return {
      valid: false,
      files: 0,
      problems: [`${MANIFEST_JWS}: the signature does not verify with the trusted keys`],
    };
  }
  const files: unknown = manifest.files;
  if (
    manifest.kind !== 'regulatory-submission-bundle' ||
    !Array.isArray(files) ||
    !files.every(
      (file: unknown) =>
        typeof file === 'object' &&
        file !== null &&
        typeof (file as { name?: unknown }).name === 'string' &&
        typeof (file as { sha256?: unknown }).sha256 === 'string',
    )
  )
    return { valid: false, files: 0, problems: [`${MANIFEST_JWS}: not a submission manifest`] };
  const problems: string[] = [];
  const listed = new Set(manifest.files.map((file) => file.name));
  for (const file of manifest.files) {
    if (path.basename(file.name) !== file.name) {
      problems.push(`${file.name}: not a file name`);
      continue;
    }
    let content: Buffer;
    try {
      content = await readFile(path.join(dir, file.name));
    } catch {
      problems.push(`${file.name}: missing`);
      continue;
    }
    if (sha256Hex(content) !== file.sha256)
      problems.push(`${file.name}: edited (SHA-256 differs from the manifest)`);
  }
  const expected: Record<string, string> = {
    [MANIFEST_JSON]: manifestText(manifest),
    [SUMS]: sumsText(manifest.files),
  };
  for (const [name, content] of Object.entries(expected)) {
    const found = await readFile(path.join(dir, name), 'utf8').catch(() => undefined);
    if (found === undefined) problems.push(`${name}: missing`);
    else if (found !== content) problems.push(`${name}: edited (differs from the signed manifest)`);
  }
  const known = new Set([...listed, MANIFEST_JWS, MANIFEST_JSON, SUMS]);
  for (const name of (await readdir(dir)).sort())
    if (!known.has(name)) problems.push(`${name}: not in the signed manifest`);
  return { valid: problems.length === 0, files: manifest.files.length, problems, manifest };
}
