import canonicalizeModule from 'canonicalize';
import { hash } from 'node:crypto';

// canonicalize is CommonJS: Node hands its module.exports over as the default import.
const canonicalize = ((canonicalizeModule as unknown as { default?: unknown }).default ??
  canonicalizeModule) as (input: unknown) => string | undefined;

/** RFC 8785 (JCS) canonical JSON: the same bytes for the same value in any language. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('value has no JSON form');
  return text;
}

export function sha256Hex(data: string | Uint8Array): string {
  // One-shot crypto.hash: half the cost of createHash() for small inputs, on the audit hot path.
  return hash('sha256', data, 'hex');
}

/** SHA-256 of a value's canonical JSON. */
export function contentHash(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
