import { Ajv } from 'ajv';
import { z } from 'zod';
import { canonicalJson, contentHash } from '@praesidium/digest';
import { ProblemError, type ProblemDetailItem } from '@praesidium/problem';

/** semver.org 2.0.0's own regular expression. */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex SHA-256');

/** The content of a version: everything its identity (the manifest's SHA-256) covers. */
export const versionContentSchema = z
  .object({
    version: z.string().max(100).regex(SEMVER, 'a semantic version (MAJOR.MINOR.PATCH)'),
    artifact: z.object({ sha256, uri: z.string().min(1).max(2000) }).strict(),
    inputSchema: z.record(z.string(), z.unknown()),
    outputSchema: z.record(z.string(), z.unknown()),
    architecture: z.string().min(1).max(4000),
    training: z
      .object({
        paradigm: z.string().min(1).max(200),
        description: z.string().max(8000).default(''),
        hyperparameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
        pretrainedComponents: z.array(z.string().max(500)).max(50).default([]),
        datasets: z.array(z.string().max(200)).max(50).default([]),
      })
      .strict(),
    operatingPoints: z
      .array(
        z
          .object({
            name: z.string().min(1).max(100),
            threshold: z.number(),
            rationale: z.string().min(1).max(4000),
          })
          .strict(),
      )
      .max(20)
      .default([]),
  })
  .strict();
export type VersionContent = z.infer<typeof versionContentSchema>;

/** A version's manifest: its content plus the model it belongs to. */
export interface VersionManifest extends VersionContent {
  readonly format: 'praesidium.model-version/v1';
  readonly model: string;
}

export function buildManifest(model: string, content: VersionContent): VersionManifest {
  return { format: 'praesidium.model-version/v1', model, ...content };
}

/** The version's identity: SHA-256 of the manifest's RFC 8785 canonical JSON. */
export function manifestSha256(manifest: VersionManifest): string {
  return contentHash(manifest);
}

const metaValidator = new Ajv({ allErrors: true, strict: false, validateSchema: true });

/**
 * Refuses an input or output JSON Schema that does not validate against the JSON Schema
 * meta-schema, or that ajv cannot compile (an unresolvable `$ref`, …): the gateway must be able to
 * validate every request against it.
 */
export function assertJsonSchemas(schemas: Record<string, Record<string, unknown>>): void {
  const problems: ProblemDetailItem[] = [];
  for (const [name, schema] of Object.entries(schemas)) {
    if (!metaValidator.validateSchema(schema)) {
      for (const error of metaValidator.errors ?? [])
        problems.push({ path: `/${name}${error.instancePath}`, message: error.message ?? 'invalid' });
      continue;
    }
    try {
      new Ajv({ strict: false }).compile(schema);
    } catch (error) {
      problems.push({
        path: `/${name}`,
        message: error instanceof Error ? error.message.slice(0, 200) : 'invalid',
      });
    }
  }
  if (problems.length > 0) throw new ProblemError('model_version.schema_invalid', undefined, problems);
}

export interface ManifestChange {
  /** RFC 6901 pointer of the changed member. */
  readonly path: string;
  readonly kind: 'added' | 'removed' | 'changed';
  readonly before?: unknown;
  readonly after?: unknown;
}

/** What changed from one manifest to another ("model version tested vs released"), member by member. */
export function diffManifests(before: unknown, after: unknown, path = ''): ManifestChange[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => {
      const child = `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      if (!(key in before)) return [{ path: child, kind: 'added' as const, after: after[key] }];
      if (!(key in after)) return [{ path: child, kind: 'removed' as const, before: before[key] }];
      return diffManifests(before[key], after[key], child);
    });
  }
  if (canonicalJson(before ?? null) === canonicalJson(after ?? null)) return [];
  return [{ path: path || '/', kind: 'changed', before, after }];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
