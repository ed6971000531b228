import {
  AFTERCARE_INPUT_SCHEMA,
  AFTERCARE_MODEL_NAME,
  AFTERCARE_OUTPUT_SCHEMA,
} from './aftercare-language-model.js';
import {
  FLUORO_NEEDLE_INPUT_SCHEMA,
  FLUORO_NEEDLE_MODEL_NAME,
  FLUORO_NEEDLE_OUTPUT_SCHEMA,
} from './fluoro-needle-model.js';
import {
  LUMBAR_ESI_INPUT_SCHEMA,
  LUMBAR_ESI_MODEL_NAME,
  LUMBAR_ESI_OUTPUT_SCHEMA,
} from './lumbar-esi-model.js';

/** Synthetic demo patients: one consented to AI-assisted treatment, one refused. */
export const DEMO_PATIENTS = {
  consented: 'Patient/esi-demo-1001',
  refused: 'Patient/esi-demo-1002',
} as const;

export const DEMO_MODEL = {
  name: LUMBAR_ESI_MODEL_NAME,
  displayName: 'Lumbar ESI outcome (demonstration)',
  intendedUse:
    'DEMONSTRATION ONLY. Estimates the probability of meaningful pain relief (>=50% NRS reduction at ' +
    '4 weeks) after a lumbar epidural steroid injection, to support, not replace, shared decision-making.',
  limitations:
    'Not a medical device; coefficients are invented for the demo; not validated on any population; ' +
    'outputs must not inform care.',
  departments: ['pain-medicine', 'spine-surgery'],
  riskClass: 'EU MDR IIa (Rule 11) / FDA Class II (demonstration classification)',
  isDemonstration: true,
  profile: {
    manufacturer: 'Praesidium demonstration (not a manufacturer)',
    indications:
      'adults with lumbar radicular or axial pain considered for a lumbar epidural steroid injection',
    contraindications: 'none established: demonstration only, not validated on any population',
    // Mutable, as the registry's profile type has it.
    intendedUsers: ['interventional pain physician'] as string[],
    useEnvironment: 'outpatient pain clinic, before the procedure',
    clinicalWorkflow: 'shown to the physician during shared decision-making; never acted on automatically',
    automation: 'decision-support' as const,
    inputs: 'age, baseline NRS, symptom duration, radicular pain, prior spine surgery, stenosis grade',
    outputs: 'probability of >=50% NRS reduction at 4 weeks',
  },
  classification: {
    fda: {
      deviceClass: 'II' as const,
      pathway: 'de-novo' as const,
      rationale: 'demonstration: a prognostic score informing treatment choice would be CADx-like software',
    },
    euMdr: {
      rule11Class: 'IIa' as const,
      rationale: 'Rule 11: software providing information used to take therapeutic decisions',
    },
    iec62304: {
      safetyClass: 'B' as const,
      rationale: 'a wrong score could contribute to non-serious injury',
    },
    euAiAct: {
      category: 'high-risk' as const,
      rationale: 'Art. 6(1): safety component of a device that needs a notified body under the MDR',
    },
  },
  version: '1.0.0',
  inputSchema: LUMBAR_ESI_INPUT_SCHEMA,
  outputSchema: LUMBAR_ESI_OUTPUT_SCHEMA,
} as const;

/** The demo imaging model: a fluoroscopy frame in, "needle at target?" out. */
export const DEMO_IMAGING_MODEL = {
  name: FLUORO_NEEDLE_MODEL_NAME,
  displayName: 'Fluoroscopy needle position (demonstration)',
  intendedUse:
    'DEMONSTRATION ONLY. Estimates whether the needle tip is at the target interlaminar space on a ' +
    'fluoroscopy frame during a lumbar epidural steroid injection, to support, not replace, the operator.',
  limitations:
    'Not a medical device; the score is a fixed function of image intensity, not a trained model; ' +
    'outputs must not inform care.',
  departments: ['pain-medicine'],
  riskClass: 'EU MDR IIa (Rule 11) / FDA Class II (demonstration classification)',
  isDemonstration: true,
  version: '1.0.0',
  inputSchema: FLUORO_NEEDLE_INPUT_SCHEMA,
  outputSchema: FLUORO_NEEDLE_OUTPUT_SCHEMA,
} as const;

/** The demo language model, served over OpenAI-compatible chat completions. */
export const DEMO_LANGUAGE_MODEL = {
  name: AFTERCARE_MODEL_NAME,
  displayName: 'ESI aftercare drafter (demonstration)',
  intendedUse:
    'DEMONSTRATION ONLY. Drafts aftercare instructions after a lumbar epidural steroid injection for a ' +
    'clinician to review and edit.',
  limitations:
    'Not a medical device; no language model runs: the draft is a fixed demonstration text; ' +
    'outputs must not inform care.',
  departments: ['pain-medicine'],
  riskClass: 'EU MDR I / FDA enforcement discretion (demonstration classification)',
  isDemonstration: true,
  version: '1.0.0',
  inputSchema: AFTERCARE_INPUT_SCHEMA,
  outputSchema: AFTERCARE_OUTPUT_SCHEMA,
} as const;

/** Every demo model with the path the sample model server serves it under. */
export const DEMO_MODELS = [
  { ...DEMO_MODEL, backendPath: `/v2/models/${LUMBAR_ESI_MODEL_NAME}/infer` },
  { ...DEMO_IMAGING_MODEL, backendPath: `/v2/models/${FLUORO_NEEDLE_MODEL_NAME}/infer` },
  { ...DEMO_LANGUAGE_MODEL, backendPath: `/openai/${AFTERCARE_MODEL_NAME}/v1/chat/completions` },
] as const;

const TREAT = {
  system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
  code: 'TREAT',
  display: 'treatment',
};

function demoConsent(patient: string, type: 'permit' | 'deny') {
  return {
    resourceType: 'Consent' as const,
    status: 'active' as const,
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'treatment' }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0', display: 'Patient Consent' }] }],
    patient: { reference: patient },
    dateTime: '2026-11-01T09:00:00+00:00',
    provision: { type, purpose: [TREAT] },
  };
}

/** FHIR R4 Consents of the demo patients: AI-assisted treatment permitted, and refused. */
export const DEMO_CONSENTS = [
  demoConsent(DEMO_PATIENTS.consented, 'permit'),
  demoConsent(DEMO_PATIENTS.refused, 'deny'),
];
