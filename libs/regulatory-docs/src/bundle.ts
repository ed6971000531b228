import { createHash } from 'node:crypto';
import { completenessReport, type CompletenessEntry, type RegulatoryDocument } from './document-model.js';
import { renderDocx } from './docx.js';
import { buildAiActAnnexIV } from './eu-ai-act.js';
import { buildMdrAnnexII, buildMdrAnnexIII } from './eu-mdr.js';
import { buildFdaAidsf } from './fda-aidsf.js';
import { buildFdaCybersecurity } from './fda-cybersecurity.js';
import { buildFdaPccp } from './fda-pccp.js';
import { buildGmlpChecklist } from './gmlp.js';
import { buildModelCard, modelCardJson } from './model-card.js';
import { renderPdf } from './pdf.js';
import { renderHtml, renderMarkdown } from './render.js';
import { cycloneDxSbom, type PackageLock, type SupportPolicy } from './sbom.js';
import type { RegistrySnapshot } from './snapshot.js';

export const DOCUMENT_KINDS = [
  'fda-aidsf',
  'fda-pccp',
  'fda-cybersecurity',
  'eu-mdr-annex-ii',
  'eu-mdr-annex-iii',
  'eu-ai-act-annex-iv',
  'model-card',
  'gmlp',
  'sbom',
] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export function isDocumentKind(value: string): value is DocumentKind {
  return (DOCUMENT_KINDS as readonly string[]).includes(value);
}

export interface GeneratedFile {
  readonly name: string;
  readonly mediaType: string;
  /** Text as is; binary files (DOCX, PDF) as base64, with `encoding: 'base64'`. */
  readonly content: string;
  readonly encoding?: 'base64';
  /** SHA-256 of the file's bytes (decoded, for a binary file). */
  readonly sha256: string;
}

export interface GeneratedDocument {
  readonly kind: DocumentKind;
  readonly files: readonly GeneratedFile[];
  readonly completeness: readonly CompletenessEntry[];
  /** SHA-256 over the names and hashes of the files, in order: the bundle's identity. */
  readonly bundleSha256: string;
}

export interface GenerationInputs {
  readonly snapshot: RegistrySnapshot;
  readonly lock: PackageLock;
  readonly generatedAt: string;
  readonly support?: SupportPolicy;
  /** Also write a PDF of each document (needs Chromium; see `pdfUnavailable`). */
  readonly pdf?: boolean;
  /** Also write a DOCX of each document (default true). */
  readonly docx?: boolean;
}

export const SBOM_FILE = 'praesidium-sbom.cdx.json';

export function sha256Hex(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

export function textFile(name: string, mediaType: string, content: string): GeneratedFile {
  return { name, mediaType, content, sha256: sha256Hex(content) };
}

export function binaryFile(name: string, mediaType: string, content: Buffer): GeneratedFile {
  return {
    name,
    mediaType,
    content: content.toString('base64'),
    encoding: 'base64',
    sha256: sha256Hex(content),
  };
}

/** The bytes of a generated file as they are written to disk. */
export function fileBytes(file: GeneratedFile): Buffer {
  return file.encoding === 'base64' ? Buffer.from(file.content, 'base64') : Buffer.from(file.content, 'utf8');
}

/** The SBOM of one generation, built once for the `sbom` file and the cybersecurity document. */
const sboms = new WeakMap<GenerationInputs, ReturnType<typeof buildSbomFile>>();
function sbomFile(inputs: GenerationInputs) {
  let built = sboms.get(inputs);
  if (!built) {
    built = buildSbomFile(inputs);
    sboms.set(inputs, built);
  }
  return built;
}

function buildSbomFile(inputs: GenerationInputs) {
  const sbom = cycloneDxSbom(inputs.lock, { timestamp: inputs.generatedAt, support: inputs.support });
  return {
    file: textFile(SBOM_FILE, 'application/vnd.cyclonedx+json', JSON.stringify(sbom, null, 2)),
    components: sbom.components.length,
    serialNumber: sbom.serialNumber,
    lockSha256: sha256Hex(JSON.stringify(inputs.lock)),
  };
}

/** The document of a kind (every kind but `sbom`, which is a file of its own). */
export function buildDocument(
  kind: Exclude<DocumentKind, 'sbom'>,
  inputs: GenerationInputs,
): RegulatoryDocument {
  const s = inputs.snapshot;
  switch (kind) {
    case 'fda-aidsf':
      return buildFdaAidsf(s);
    case 'fda-pccp':
      return buildFdaPccp(s);
    case 'fda-cybersecurity': {
      const { file, components, serialNumber, lockSha256 } = sbomFile(inputs);
      return buildFdaCybersecurity(s, {
        fileName: file.name,
        serialNumber,
        lockSha256,
        components,
        supportConfigured: inputs.support !== undefined,
      });
    }
    case 'eu-mdr-annex-ii':
      return buildMdrAnnexII(s);
    case 'eu-mdr-annex-iii':
      return buildMdrAnnexIII(s);
    case 'eu-ai-act-annex-iv':
      return buildAiActAnnexIV(s);
    case 'model-card':
      return buildModelCard(s);
    case 'gmlp':
      return buildGmlpChecklist(s);
  }
}

export async function generateDocument(
  kind: DocumentKind,
  inputs: GenerationInputs,
): Promise<GeneratedDocument> {
  const { files, completeness } = await render(kind, inputs);
  const manifest = files.map((entry) => `${entry.sha256}  ${entry.name}\n`).join('');
  return { kind, files, completeness, bundleSha256: sha256Hex(manifest) };
}

async function render(kind: DocumentKind, inputs: GenerationInputs) {
  if (kind === 'sbom') return { files: [sbomFile(inputs).file], completeness: [] };
  const stem = `${inputs.snapshot.model.name}-${inputs.snapshot.version.version}-${kind}`;
  const document = buildDocument(kind, inputs);
  const completeness = completenessReport(document);
  const html = renderHtml(document, inputs.generatedAt);
  const files: GeneratedFile[] = [
    textFile(`${stem}.html`, 'text/html; charset=utf-8', html),
    textFile(`${stem}.md`, 'text/markdown; charset=utf-8', renderMarkdown(document, inputs.generatedAt)),
  ];
  if (inputs.docx !== false)
    files.push(
      binaryFile(
        `${stem}.docx`,
        'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
        await renderDocx(document, inputs.generatedAt),
      ),
    );
  if (inputs.pdf) files.push(binaryFile(`${stem}.pdf`, 'application/pdf', await renderPdf(html)));
  if (kind === 'model-card')
    files.push(
      textFile(
        `${stem}.json`,
        'application/json',
        JSON.stringify(modelCardJson(document, inputs.snapshot, inputs.generatedAt), null, 2),
      ),
    );
  files.push(
    textFile(`${stem}.completeness.json`, 'application/json', JSON.stringify(completeness, null, 2)),
  );
  return { files, completeness };
}
