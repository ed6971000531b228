import { ProblemError } from '@praesidium/problem';

/** Media types evidence may have, each with how its bytes must look (never the client's word alone). */
const MEDIA_TYPES = {
  'application/pdf': (bytes: Buffer) => bytes.subarray(0, 5).toString('latin1') === '%PDF-',
  'image/png': (bytes: Buffer) =>
    bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'application/json': (bytes: Buffer) => isUtf8Text(bytes) && parsesAsJson(bytes),
  'text/csv': isUtf8Text,
  'text/plain': isUtf8Text,
} as const satisfies Record<string, (bytes: Buffer) => boolean>;
export type EvidenceMediaType = keyof typeof MEDIA_TYPES;
export const EVIDENCE_MEDIA_TYPES = Object.keys(MEDIA_TYPES) as EvidenceMediaType[];

const EXTENSIONS: Record<EvidenceMediaType, readonly string[]> = {
  'application/pdf': ['.pdf'],
  'image/png': ['.png'],
  'application/json': ['.json'],
  'text/csv': ['.csv'],
  'text/plain': ['.txt', '.md'],
};

/** A plain file name: no directory part, no `..`, no control or reserved characters. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._ -]{0,199}$/;

/**
 * Checks an upload before anything is stored: its name (kept as a label only, never used as a
 * path), its size, and that its bytes are of the declared, allowed type.
 */
export function checkEvidenceFile(
  file: { fileName: string; mediaType: string; bytes: Buffer },
  maxBytes: number,
): EvidenceMediaType {
  const { fileName, mediaType, bytes } = file;
  if (!SAFE_NAME.test(fileName) || fileName.includes('..'))
    throw new ProblemError(
      'evidence.name_invalid',
      'a file name is letters, digits, spaces, dots, dashes and underscores, without a directory or ".."',
    );
  if (bytes.length === 0) throw new ProblemError('evidence.type_invalid', 'the file is empty');
  if (bytes.length > maxBytes)
    throw new ProblemError(
      'evidence.too_large',
      `the file has ${bytes.length} bytes; at most ${maxBytes} are allowed`,
    );
  if (!Object.hasOwn(MEDIA_TYPES, mediaType))
    throw new ProblemError('evidence.type_invalid', `allowed types: ${EVIDENCE_MEDIA_TYPES.join(', ')}`);
  const type = mediaType as EvidenceMediaType;
  if (!EXTENSIONS[type].some((extension) => fileName.toLowerCase().endsWith(extension)))
    throw new ProblemError(
      'evidence.type_invalid',
      `a ${type} file is named ${EXTENSIONS[type].join(' or ')}`,
    );
  if (!MEDIA_TYPES[type](bytes))
    throw new ProblemError('evidence.type_invalid', `the content is not ${type}`);
  return type;
}

function isUtf8Text(bytes: Buffer): boolean {
  if (bytes.includes(0)) return false;
  return Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes);
}

function parsesAsJson(bytes: Buffer): boolean {
  try {
    JSON.parse(bytes.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}
