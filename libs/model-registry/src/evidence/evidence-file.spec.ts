import { type ProblemError } from '@praesidium/problem';
import { checkEvidenceFile } from './evidence-file.js';

const PDF = Buffer.from('%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n');

function refusalOf(file: { fileName: string; mediaType: string; bytes: Buffer }, maxBytes = 1024): string {
  try {
    checkEvidenceFile(file, maxBytes);
    return 'accepted';
  } catch (error) {
    return (error as ProblemError).code;
  }
}

describe('evidence file checks', () => {
  it('accepts a PDF, a CSV and JSON whose bytes are what they claim', () => {
    expect(refusalOf({ fileName: 'validation report.pdf', mediaType: 'application/pdf', bytes: PDF })).toBe(
      'accepted',
    );
    expect(
      refusalOf({ fileName: 'metrics.csv', mediaType: 'text/csv', bytes: Buffer.from('a,b\n1,2\n') }),
    ).toBe('accepted');
    expect(
      refusalOf({ fileName: 'r.json', mediaType: 'application/json', bytes: Buffer.from('{"auc":0.8}') }),
    ).toBe('accepted');
  });

  it.each([
    '../../etc/passwd.pdf',
    '..\\evil.pdf',
    '/abs/report.pdf',
    'dir/report.pdf',
    '.hidden.pdf',
    'a\u0000.pdf',
    'x..pdf',
  ])('refuses the traversal or unsafe name %j', (fileName) => {
    expect(refusalOf({ fileName, mediaType: 'application/pdf', bytes: PDF })).toBe('evidence.name_invalid');
  });

  it('refuses a file larger than the limit', () => {
    expect(
      refusalOf({
        fileName: 'big.pdf',
        mediaType: 'application/pdf',
        bytes: Buffer.concat([PDF, Buffer.alloc(2048, 32)]),
      }),
    ).toBe('evidence.too_large');
  });

  it('refuses a type off the allow-list, content that is not the declared type, and a mismatched extension', () => {
    expect(
      refusalOf({ fileName: 'run.exe', mediaType: 'application/x-msdownload', bytes: Buffer.from('MZ') }),
    ).toBe('evidence.type_invalid');
    expect(
      refusalOf({ fileName: 'fake.pdf', mediaType: 'application/pdf', bytes: Buffer.from('MZ\u0090\u0000') }),
    ).toBe('evidence.type_invalid');
    expect(
      refusalOf({ fileName: 'r.json', mediaType: 'application/json', bytes: Buffer.from('{not json') }),
    ).toBe('evidence.type_invalid');
    expect(refusalOf({ fileName: 'report.csv', mediaType: 'application/pdf', bytes: PDF })).toBe(
      'evidence.type_invalid',
    );
    expect(
      refusalOf({ fileName: 'bin.csv', mediaType: 'text/csv', bytes: Buffer.from([0x61, 0x00, 0xff]) }),
    ).toBe('evidence.type_invalid');
  });
});
