/**
 * DEMONSTRATION MODEL — not a medical device, not validated, not for clinical use.
 * "Is the needle tip at the target on this fluoroscopy frame?" for fluoroscopy-guided lumbar
 * epidural steroid injection. The score is a fixed function of the frame's mean intensity and
 * contrast: it looks at the image bytes, so large payloads travel end to end, and it means nothing.
 */
export const FLUORO_NEEDLE_MODEL_NAME = 'fluoro-needle-position';

/** A frame of up to 6 MiB, base64 in an OIP BYTES tensor (8 MiB of base64). */
export const FLUORO_MAX_FRAME_BASE64 = 8 * 1024 * 1024;

export function scoreNeedlePosition(frame: Uint8Array): number {
  if (frame.length === 0) return 0;
  let sum = 0;
  let sumSquares = 0;
  for (const byte of frame) {
    sum += byte;
    sumSquares += byte * byte;
  }
  const mean = sum / frame.length / 255;
  const deviation = Math.sqrt(Math.max(0, sumSquares / frame.length / 65025 - mean * mean));
  return 1 / (1 + Math.exp(-(2.5 * deviation - 1.2 * (mean - 0.5))));
}

export const FLUORO_NEEDLE_INPUT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['inputs'],
  properties: {
    id: { type: 'string', maxLength: 128 },
    inputs: {
      type: 'array',
      minItems: 1,
      maxItems: 1,
      items: {
        type: 'object',
        required: ['name', 'shape', 'datatype', 'data'],
        properties: {
          name: { const: 'frame' },
          shape: { type: 'array', items: { const: 1 }, minItems: 1, maxItems: 1 },
          datatype: { const: 'BYTES' },
          parameters: {
            type: 'object',
            properties: { content_type: { enum: ['base64', 'image/png', 'application/dicom'] } },
          },
          data: {
            type: 'array',
            minItems: 1,
            maxItems: 1,
            items: {
              type: 'string',
              minLength: 4,
              maxLength: FLUORO_MAX_FRAME_BASE64,
              pattern: '^[A-Za-z0-9+/]*={0,2}$',
            },
          },
        },
      },
    },
  },
};

export const FLUORO_NEEDLE_OUTPUT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['model_name', 'outputs'],
  properties: {
    model_name: { type: 'string' },
    outputs: {
      type: 'array',
      minItems: 1,
      maxItems: 1,
      items: {
        type: 'object',
        required: ['name', 'shape', 'datatype', 'data'],
        properties: {
          name: { const: 'needle_at_target_probability' },
          data: {
            type: 'array',
            minItems: 1,
            maxItems: 1,
            items: { type: 'number', minimum: 0, maximum: 1 },
          },
        },
      },
    },
  },
};

/** A synthetic "frame": deterministic noise of `bytes` bytes (no real image, no patient). */
export function syntheticFluoroFrame(bytes: number): Buffer {
  const frame = Buffer.alloc(bytes);
  let state = 0x2545f491;
  for (let i = 0; i < bytes; i += 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    frame[i] = state & 0xff;
  }
  return frame;
}

export function fluoroFrameInputs(frame: Uint8Array) {
  return [
    {
      name: 'frame',
      shape: [1],
      datatype: 'BYTES',
      parameters: { content_type: 'base64' },
      data: [Buffer.from(frame).toString('base64')],
    },
  ];
}
