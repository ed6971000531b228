import { z } from 'zod';

const coding = z.object({
  system: z.string().optional(),
  code: z.string().min(1),
  display: z.string().optional(),
});
const period = z.object({
  start: z.iso.datetime({ offset: true }).optional(),
  end: z.iso.datetime({ offset: true }).optional(),
});

type ProvisionInput = {
  type?: 'permit' | 'deny';
  period?: z.infer<typeof period>;
  purpose?: z.infer<typeof coding>[];
  class?: z.infer<typeof coding>[];
  action?: { coding?: z.infer<typeof coding>[] }[];
  provision?: ProvisionInput[];
};

const provision: z.ZodType<ProvisionInput> = z.lazy(() =>
  z.object({
    type: z.enum(['permit', 'deny']).optional(),
    period: period.optional(),
    purpose: z.array(coding).optional(),
    class: z.array(coding).optional(),
    action: z.array(z.object({ coding: z.array(coding).optional() })).optional(),
    provision: z.array(provision).max(50).optional(),
  }),
);

/** The same patient references the gateway accepts on an inference request. */
export const PATIENT_REFERENCE = /^(Patient\/)?[A-Za-z0-9\-.]{1,64}$/;

/**
 * What the consent store needs of a FHIR R4 Consent beyond the official schema (checked first): a
 * patient, a time, a scope and a provision to decide on, with bounded nesting.
 */
export const fhirConsentSchema = z.object({
  resourceType: z.literal('Consent'),
  status: z.enum(['draft', 'proposed', 'active', 'rejected', 'inactive', 'entered-in-error']),
  scope: z.object({ coding: z.array(coding).min(1) }),
  category: z.array(z.object({ coding: z.array(coding).optional() })).min(1),
  patient: z.object({
    reference: z.string().regex(PATIENT_REFERENCE, 'a Patient reference such as Patient/123'),
  }),
  dateTime: z.iso.datetime({ offset: true }),
  provision: provision,
});

export type FhirConsentInput = z.infer<typeof fhirConsentSchema>;
