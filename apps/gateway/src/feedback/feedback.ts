import { z } from 'zod';
import { FEEDBACK_REASONS, FEEDBACK_VERDICTS } from '@praesidium/model-registry';

/** `POST /v2/feedback`: a clinician's verdict on one output, named by its audit record. */
export const feedbackSchema = z
  .object({
    /** As the output's `praesidium.audit` says; the hash, when given, must match the record. */
    audit: z
      .object({
        stream: z.string().min(1).max(200),
        seq: z.number().int().min(1),
        hash: z
          .string()
          .regex(/^[0-9a-f]{64}$/)
          .optional(),
      })
      .strict(),
    verdict: z.enum(FEEDBACK_VERDICTS),
    reason: z.enum(FEEDBACK_REASONS),
  })
  .strict();

export type Feedback = z.infer<typeof feedbackSchema>;
