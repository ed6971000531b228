import { type ProblemError } from '@praesidium/problem';
import {
  assertJsonSchemas,
  buildManifest,
  diffManifests,
  manifestSha256,
  versionContentSchema,
} from './manifest.js';

const content = versionContentSchema.parse({
  version: '1.2.0',
  artifact: { sha256: 'c'.repeat(64), uri: 's3://models/esi/1.2.0.onnx' },
  inputSchema: { type: 'object' },
  outputSchema: { type: 'object' },
  architecture: 'gradient-boosted trees, 200 estimators',
  training: { paradigm: 'supervised', hyperparameters: { depth: 4 } },
  operatingPoints: [{ name: 'default', threshold: 0.5, rationale: 'Youden index on the tuning set' }],
});

describe('version manifests', () => {
  it('identifies a version by the SHA-256 of its canonical manifest, whatever the key order', () => {
    const manifest = buildManifest('esi', content);
    const reordered = JSON.parse(JSON.stringify({ ...manifest, model: 'esi' })) as typeof manifest;
    expect(manifestSha256(manifest)).toMatch(/^[0-9a-f]{64}$/);
    expect(manifestSha256(reordered)).toBe(manifestSha256(manifest));
    expect(manifestSha256(buildManifest('esi', { ...content, architecture: 'other' }))).not.toBe(
      manifestSha256(manifest),
    );
  });

  it('lists what changed between two versions, member by member', () => {
    const tested = buildManifest('esi', content);
    const released = buildManifest('esi', {
      ...content,
      version: '1.3.0',
      training: { ...content.training, hyperparameters: { depth: 6, eta: 0.1 } },
    });
    expect(diffManifests(tested, released)).toEqual([
      { path: '/training/hyperparameters/depth', kind: 'changed', before: 4, after: 6 },
      { path: '/training/hyperparameters/eta', kind: 'added', after: 0.1 },
      { path: '/version', kind: 'changed', before: '1.2.0', after: '1.3.0' },
    ]);
    expect(diffManifests(tested, tested)).toEqual([]);
  });

  it('refuses a version number that is not semantic versioning', () => {
    expect(versionContentSchema.safeParse({ ...content, version: '1.2' }).success).toBe(false);
    expect(versionContentSchema.safeParse({ ...content, version: 'v1.2.0' }).success).toBe(false);
  });

  it('refuses a malformed JSON Schema, naming where it is wrong', () => {
    expect(() => assertJsonSchemas({ inputSchema: { type: 'object' } })).not.toThrow();
    const error = (() => {
      try {
        assertJsonSchemas({ inputSchema: { type: 'objekt' }, outputSchema: { required: 'x' } });
      } catch (caught) {
        return caught as ProblemError;
      }
      throw new Error('accepted');
    })();
    expect(error.code).toBe('model_version.schema_invalid');
    expect(error.errors?.map((item) => item.path.split('/')[1])).toEqual(
      expect.arrayContaining(['inputSchema', 'outputSchema']),
    );
  });
});
