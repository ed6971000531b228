import { z } from 'zod';
import { contentHash } from '@praesidium/digest';

const text = (max: number) => z.string().min(1).max(max);

/** What a model is for, in the terms of an FDA submission and EU MDR Annex II section 1. */
export const modelProfileSchema = z
  .object({
    manufacturer: text(500),
    indications: text(4000),
    contraindications: text(4000),
    intendedUsers: z.array(text(200)).min(1).max(50),
    useEnvironment: text(2000),
    clinicalWorkflow: text(4000),
    automation: z.enum(['information', 'decision-support', 'autonomous']),
    inputs: text(2000),
    outputs: text(2000),
  })
  .strict();
export type ModelProfile = z.infer<typeof modelProfileSchema>;

/** The model's regulatory classification, each with the reason it was reached. */
export const modelClassificationSchema = z
  .object({
    fda: z
      .object({
        deviceClass: z.enum(['I', 'II', 'III', 'not-a-device']),
        pathway: z.enum(['510k', 'de-novo', 'pma', 'exempt', 'cds-exempt']),
        rationale: text(4000),
      })
      .strict(),
    euMdr: z
      .object({
        rule11Class: z.enum(['I', 'IIa', 'IIb', 'III', 'not-a-device']),
        rationale: text(4000),
      })
      .strict(),
    iec62304: z.object({ safetyClass: z.enum(['A', 'B', 'C']), rationale: text(4000) }).strict(),
    euAiAct: z
      .object({
        category: z.enum(['prohibited', 'high-risk', 'limited-risk', 'minimal-risk']),
        rationale: text(4000),
      })
      .strict(),
  })
  .strict();
export type ModelClassification = z.infer<typeof modelClassificationSchema>;

/** What a model is approved for, as one hash: part of every approval record of its versions. */
export function intendedUseSha256(model: {
  readonly intendedUse: string;
  readonly limitations: string;
  readonly departments: readonly string[];
  readonly profile: unknown;
  readonly classification: unknown;
}): string {
  const { intendedUse, limitations, departments, profile, classification } = model;
  return contentHash({ intendedUse, limitations, departments, profile, classification });
}
