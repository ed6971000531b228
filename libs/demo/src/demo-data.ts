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
    intendedUsers: ['interventional pain physician'],
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
