import { Injectable } from '@nestjs/common';
import { Ajv, type ValidateFunction } from 'ajv';
import { ProblemError, type ReasonCode } from '@praesidium/problem';

/**
 * Validates bodies against a model version's declared JSON Schemas. Schemas are compiled once per
 * version and cached: an approved version is immutable, so its schema never changes.
 */
@Injectable()
export class SchemaValidator {
  private readonly ajv = new Ajv({ allErrors: true, strict: false });
  private readonly compiled = new Map<string, ValidateFunction>();

  check(cacheKey: string, schema: object, value: unknown, code: ReasonCode): void {
    let validate = this.compiled.get(cacheKey);
    if (!validate) {
      validate = this.ajv.compile(schema);
      this.compiled.set(cacheKey, validate);
    }
    if (validate(value)) return;
    // Paths and messages only: never echo the offending value, it may be clinical data.
    const errors = (validate.errors ?? []).slice(0, 20).map((error) => ({
      path: error.instancePath || '/',
      message: error.message ?? 'is invalid',
    }));
    throw new ProblemError(code, undefined, errors);
  }
}
