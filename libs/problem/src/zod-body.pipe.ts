import { type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { ProblemError } from './problem.error.js';

/** Validates a request part at the edge with a zod schema; unknown fields are refused by `.strict()` schemas. */
export class ZodPipe<T extends z.ZodType> implements PipeTransform<unknown, z.infer<T>> {
  constructor(private readonly schema: T) {}

  transform(value: unknown): z.infer<T> {
    const parsed = this.schema.safeParse(value);
    if (parsed.success) return parsed.data;
    throw new ProblemError(
      'request.invalid',
      undefined,
      parsed.error.issues.map((issue) => ({ path: `/${issue.path.join('/')}`, message: issue.message })),
    );
  }
}
