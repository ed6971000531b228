/**
 * DEMONSTRATION MODEL — not a medical device, not validated, not for clinical use.
 * A logistic score for "meaningful pain relief (≥50% NRS reduction at 4 weeks) after a lumbar
 * epidural steroid injection", with made-up coefficients shaped like the factors the literature
 * discusses (radicular pain helps; long duration, prior surgery and severe stenosis hurt).
 */
export const LUMBAR_ESI_MODEL_NAME = 'lumbar-esi-outcome';

export const LUMBAR_ESI_FEATURES = [
  'age_years',
  'baseline_pain_nrs',
  'symptom_duration_weeks',
  'radicular_pain',
  'prior_spine_surgery',
  'stenosis_grade',
] as const;

export type LumbarEsiFeatures = Record<(typeof LUMBAR_ESI_FEATURES)[number], number>;

export function predictMeaningfulRelief(features: LumbarEsiFeatures): number {
  const logit =
    0.2 +
    0.9 * features.radicular_pain -
    0.015 * (features.age_years - 55) +
    0.12 * (features.baseline_pain_nrs - 6) -
    0.02 * (features.symptom_duration_weeks - 12) -
    0.6 * features.prior_spine_surgery -
    0.25 * features.stenosis_grade;
  return 1 / (1 + Math.exp(-logit));
}

const scalarInput = (name: string, minimum: number, maximum: number) => ({
  type: 'object',
  required: ['name', 'shape', 'datatype', 'data'],
  properties: {
    name: { const: name },
    shape: { type: 'array', items: { const: 1 }, minItems: 1, maxItems: 1 },
    datatype: { enum: ['FP32', 'FP64', 'INT32', 'INT64'] },
    data: { type: 'array', minItems: 1, maxItems: 1, items: { type: 'number', minimum, maximum } },
  },
});

const RANGES: Record<(typeof LUMBAR_ESI_FEATURES)[number], [number, number]> = {
  age_years: [18, 110],
  baseline_pain_nrs: [0, 10],
  symptom_duration_weeks: [0, 520],
  radicular_pain: [0, 1],
  prior_spine_surgery: [0, 1],
  stenosis_grade: [0, 3],
};

/** JSON Schema of the Open Inference Protocol request body the model accepts (after the gateway). */
export const LUMBAR_ESI_INPUT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['inputs'],
  properties: {
    id: { type: 'string', maxLength: 128 },
    inputs: {
      type: 'array',
      minItems: LUMBAR_ESI_FEATURES.length,
      maxItems: LUMBAR_ESI_FEATURES.length,
      items: { anyOf: LUMBAR_ESI_FEATURES.map((name) => scalarInput(name, ...RANGES[name])) },
    },
  },
};

export const LUMBAR_ESI_OUTPUT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['model_name', 'outputs'],
  properties: {
    model_name: { type: 'string' },
    model_version: { type: 'string' },
    outputs: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['name', 'shape', 'datatype', 'data'],
        properties: {
          name: { const: 'probability_meaningful_relief' },
          data: { type: 'array', items: { type: 'number', minimum: 0, maximum: 1 } },
        },
      },
    },
  },
};

/** An example request body for the printed curl and the tests. */
export function exampleEsiInputs(): { name: string; shape: number[]; datatype: string; data: number[] }[] {
  const values: LumbarEsiFeatures = {
    age_years: 58,
    baseline_pain_nrs: 7,
    symptom_duration_weeks: 10,
    radicular_pain: 1,
    prior_spine_surgery: 0,
    stenosis_grade: 1,
  };
  return LUMBAR_ESI_FEATURES.map((name) => ({ name, shape: [1], datatype: 'FP32', data: [values[name]] }));
}
