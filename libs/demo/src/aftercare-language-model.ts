/**
 * DEMONSTRATION LANGUAGE MODEL — not a medical device, not validated, not for clinical use.
 * "Drafts aftercare instructions after a lumbar epidural steroid injection" for the clinician to
 * edit. The text is fixed and deterministic (no real language model runs): it exists to show
 * OpenAI-compatible chat completions, streaming, and their audit through the gateway.
 */
export const AFTERCARE_MODEL_NAME = 'esi-aftercare-drafter';

export const AFTERCARE_DEMO_TEXT =
  '[DEMONSTRATION OUTPUT - not clinical advice] Draft aftercare after a lumbar epidural steroid ' +
  'injection: rest today and resume light activity tomorrow; some soreness at the injection site is ' +
  'common; call the clinic for fever, new weakness, numbness, or loss of bladder or bowel control. ' +
  'A clinician must review and edit this draft before it is given to anyone.';

/** The demo answer as the pieces it is streamed in: a word (and its space) per chunk. */
export function aftercareDraftPieces(): string[] {
  return AFTERCARE_DEMO_TEXT.split(/(?<= )/);
}

export const AFTERCARE_INPUT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['model', 'messages'],
  properties: {
    model: { const: AFTERCARE_MODEL_NAME },
    stream: { type: 'boolean' },
    max_tokens: { type: 'integer', minimum: 1, maximum: 4096 },
    temperature: { type: 'number', minimum: 0, maximum: 2 },
    metadata: { type: 'object', additionalProperties: { type: 'string', maxLength: 512 } },
    messages: {
      type: 'array',
      minItems: 1,
      maxItems: 32,
      items: {
        type: 'object',
        required: ['role', 'content'],
        properties: {
          role: { enum: ['system', 'user', 'assistant'] },
          content: { type: 'string', maxLength: 8000 },
        },
      },
    },
  },
  additionalProperties: false,
};

export const AFTERCARE_OUTPUT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['object', 'choices'],
  properties: {
    object: { const: 'chat.completion' },
    choices: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['message'],
        properties: {
          message: {
            type: 'object',
            required: ['role', 'content'],
            properties: { role: { const: 'assistant' }, content: { type: 'string' } },
          },
        },
      },
    },
  },
};
