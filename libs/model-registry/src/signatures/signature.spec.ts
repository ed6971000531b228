import {
  approvalRecord,
  approvalRecordSha256,
  hashSigningPin,
  isBoundTo,
  verifySigningPin,
} from './signature.js';

const record = approvalRecord({
  versionId: '0b0e7a0e-0000-4000-8000-000000000001',
  model: 'esi',
  version: '1.0.0',
  manifestSha256: 'a'.repeat(64),
  intendedUseSha256: 'e'.repeat(64),
  evidenceSha256: ['c'.repeat(64), 'b'.repeat(64)],
});

describe('electronic signatures', () => {
  it('binds a signature to the SHA-256 of the record it signs, so it cannot move to another record', () => {
    const signature = { recordSha256: approvalRecordSha256(record) };
    expect(isBoundTo(signature, record)).toBe(true);
    expect(isBoundTo(signature, { ...record, versionId: '0b0e7a0e-0000-4000-8000-000000000002' })).toBe(
      false,
    );
    expect(
      isBoundTo(
        signature,
        approvalRecord({ ...record, evidenceSha256: [...record.evidenceSha256, 'd'.repeat(64)] }),
      ),
    ).toBe(false);
  });

  it('does not depend on the order evidence was added in', () => {
    const reordered = approvalRecord({ ...record, evidenceSha256: [...record.evidenceSha256].reverse() });
    expect(approvalRecordSha256(reordered)).toBe(approvalRecordSha256(record));
  });

  it('stores a signing PIN as an scrypt hash that verifies only the same PIN', async () => {
    const stored = await hashSigningPin('correct horse');
    expect(stored).not.toContain('correct horse');
    expect(stored.startsWith('scrypt$')).toBe(true);
    await expect(verifySigningPin('correct horse', stored)).resolves.toBe(true);
    await expect(verifySigningPin('correct hors', stored)).resolves.toBe(false);
  });
});
