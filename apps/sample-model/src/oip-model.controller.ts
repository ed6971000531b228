import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import {
  FLUORO_NEEDLE_MODEL_NAME,
  scoreNeedlePosition,
  LUMBAR_ESI_FEATURES,
  LUMBAR_ESI_MODEL_NAME,
  predictMeaningfulRelief,
  type LumbarEsiFeatures,
} from '@praesidium/demo';
import { ProblemError } from '@praesidium/problem';
import { GatewayAssertionGuard } from './gateway-assertion.guard.js';

interface OipTensor {
  name: string;
  shape: number[];
  datatype: string;
  data: unknown[];
}

const VERSION = '1.0.0';

/** A demonstration model server speaking the Open Inference Protocol v2. */
@Controller('v2')
export class OipModelController {
  @Get('health/ready')
  ready() {
    return { ready: true };
  }

  @Get('models/:name')
  metadata(@Param('name') name: string) {
    this.assertKnown(name);
    return {
      name,
      versions: [VERSION],
      platform: 'praesidium-sample-model',
      inputs: LUMBAR_ESI_FEATURES.map((feature) => ({ name: feature, datatype: 'FP32', shape: [1] })),
      outputs: [{ name: 'probability_meaningful_relief', datatype: 'FP32', shape: [1] }],
    };
  }

  @Post('models/:name/infer')
  @HttpCode(200)
  @UseGuards(GatewayAssertionGuard)
  infer(@Param('name') name: string, @Body() body: { id?: string; inputs?: OipTensor[] }) {
    if (name === FLUORO_NEEDLE_MODEL_NAME) return inferNeedlePosition(body);
    this.assertKnown(name);
    const features = readFeatures(body.inputs ?? []);
    const probability = predictMeaningfulRelief(features);
    return {
      model_name: name,
      model_version: VERSION,
      ...(body.id ? { id: body.id } : {}),
      outputs: [
        {
          name: 'probability_meaningful_relief',
          shape: [1],
          datatype: 'FP32',
          data: [Number(probability.toFixed(4))],
        },
      ],
    };
  }

  private assertKnown(name: string): void {
    if (name !== LUMBAR_ESI_MODEL_NAME) throw new ProblemError('model.unknown');
  }
}

function readFeatures(inputs: OipTensor[]): LumbarEsiFeatures {
  const entries = LUMBAR_ESI_FEATURES.map((feature) => {
    const value = inputs.find((input) => input.name === feature)?.data?.[0];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new ProblemError('request.invalid', undefined, [
        { path: '/inputs', message: `${feature} is required` },
      ]);
    }
    return [feature, value] as const;
  });
  return Object.fromEntries(entries) as LumbarEsiFeatures;
}

/** The frame is decoded in memory only and dropped with the request: never written, never logged. */
function inferNeedlePosition(body: { id?: string; inputs?: OipTensor[] }) {
  const encoded = body.inputs?.find((input) => input.name === 'frame')?.data?.[0];
  if (typeof encoded !== 'string') {
    throw new ProblemError('request.invalid', undefined, [{ path: '/inputs', message: 'frame is required' }]);
  }
  const probability = scoreNeedlePosition(Buffer.from(encoded, 'base64'));
  return {
    model_name: FLUORO_NEEDLE_MODEL_NAME,
    model_version: VERSION,
    ...(body.id ? { id: body.id } : {}),
    outputs: [
      {
        name: 'needle_at_target_probability',
        shape: [1],
        datatype: 'FP32',
        data: [Number(probability.toFixed(4))],
      },
    ],
  };
}
