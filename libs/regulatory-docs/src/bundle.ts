import { createHash } from 'node:crypto';
import { completenessReport, type CompletenessEntry } from './document-model.js';
import { buildFdaAidsf } from './fda-aidsf.js';
import { buildFdaPccp } from './fda-pccp.js';
import { renderHtml, renderMarkdown } from './render.js';
import { cycloneDxSbom, type PackageLock, type SupportPolicy } from './sbom.js';
import type { RegistrySnapshot } from './snapshot.js';

export const DOCUMENT_KINDS = ['fda-aidsf', 'fda-pccp', 'sbom'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export function isDocumentKind(value: string): value is DocumentKind {
  return (DOCUMENT_KINDS as readonly string[]).includes(value);
}

export interface GeneratedFile {
  readonly name: string;
  readonly mediaType: string;
  readonly content: string;
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
}

function file(name: string, mediaType: string, content: string): GeneratedFile {
  return { name, mediaType, content, sha256: createHash('sha256').update(content).digest('hex') };
}

export function generateDocument(kind: DocumentKind, inputs: GenerationInputs): GeneratedDocument {
  const { files, completeness } = render(kind, inputs);
  const manifest = files.map((entry) => `${entry.sha256}  ${entry.name}\n`).join('');
  return {
    kind,
    files,
    completeness,
    bundleSha256: createHash('sha256').update(manifest).digest('hex'),
  };
}

function render(kind: DocumentKind, inputs: GenerationInputs) {
  const stem = `${inputs.snapshot.model.name}-${inputs.snapshot.version.version}-${kind}`;
  if (kind === 'sbom') {
    const sbom = cycloneDxSbom(inputs.lock, { timestamp: inputs.generatedAt, support: inputs.support });
    return {
      files: [
        file(`praesidium-sbom.cdx.json`, 'application/vnd.cyclonedx+json', JSON.stringify(sbom, null, 2)),
      ],
      completeness: [],
    };
  }
  const document = kind === 'fda-pccp' ? buildFdaPccp(inputs.snapshot) : buildFdaAidsf(inputs.snapshot);
  const completeness = completenessReport(document);
  return {
    files: [
      file(`${stem}.html`, 'text/html; charset=utf-8', renderHtml(document, inputs.generatedAt)),
      file(`${stem}.md`, 'text/markdown; charset=utf-8', renderMarkdown(document, inputs.generatedAt)),
      file(`${stem}.completeness.json`, 'application/json', JSON.stringify(completeness, null, 2)),
    ],
    completeness,
  };
}
