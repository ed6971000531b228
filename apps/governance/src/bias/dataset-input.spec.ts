import { datasetInputRefusal } from './dataset-input.js';

describe('a registry dataset as the input of a bias report', () => {
  it('accepts the file whose SHA-256 is the dataset content hash', () => {
    expect(datasetInputRefusal({ contentSha256: 'a'.repeat(64) }, 'a'.repeat(64))).toBeUndefined();
  });

  it('refuses another file, and a dataset that does not exist', () => {
    expect(datasetInputRefusal({ contentSha256: 'a'.repeat(64) }, 'b'.repeat(64))).toBe(
      'bias.dataset_mismatch',
    );
    expect(datasetInputRefusal(null, 'a'.repeat(64))).toBe('bias.dataset_unknown');
  });
});
