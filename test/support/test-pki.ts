// Certificates for mutual-TLS tests, made at test time with the openssl CLI into a temporary directory
// (never committed): a client CA the gateway trusts, a server certificate, client certificates, and a
// rogue CA the gateway does not trust.
import { createHash, X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
  /** RFC 8705 `x5t#S256`: base64url SHA-256 of the DER certificate. */
  readonly thumbprint: string;
}

export interface TestPki {
  readonly dir: string;
  readonly ca: TestCertificate;
  readonly rogueCa: TestCertificate;
  /**
   * Issue a certificate signed by `issuer` with the given subject alternative names, one per entry
   * (`URI:spiffe://x`, `DNS:y`, `IP:127.0.0.1`); a value may hold a comma.
   */
  issue(
    name: string,
    altNames: readonly string[],
    issuer?: TestCertificate,
    serverAuth?: boolean,
  ): TestCertificate;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}

function loaded(certFile: string, keyFile: string): TestCertificate {
  const cert = readFileSync(certFile, 'utf8');
  return {
    certFile,
    keyFile,
    cert,
    key: readFileSync(keyFile, 'utf8'),
    thumbprint: createHash('sha256').update(new X509Certificate(cert).raw).digest('base64url'),
  };
}

export function createTestPki(): TestPki {
  const dir = mkdtempSync(path.join(tmpdir(), 'praesidium-pki-'));
  const file = (name: string) => path.join(dir, name);
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const makeCa = (name: string): TestCertificate => {
    openssl([
      'req',
      '-x509',
      ...ecKey,
      '-keyout',
      file(`${name}.key`),
      '-out',
      file(`${name}.pem`),
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
    ]);
    return loaded(file(`${name}.pem`), file(`${name}.key`));
  };
  const ca = makeCa('praesidium-test-client-ca');
  const rogueCa = makeCa('rogue-ca');
  return {
    dir,
    ca,
    rogueCa,
    issue(name, altNames, issuer = ca, serverAuth = false) {
      const extensions = file(`${name}.ext`);
      const section = altNames.map((entry, index) => {
        const [type, ...value] = entry.split(':');
        return `${type}.${index + 1}=${value.join(':')}`;
      });
      writeFileSync(
        extensions,
        [
          'subjectAltName=@alt',
          `extendedKeyUsage=${serverAuth ? 'serverAuth' : 'clientAuth'}`,
          '[alt]',
          ...section,
          '',
        ].join('\n'),
      );
      openssl([
        'req',
        ...ecKey,
        '-keyout',
        file(`${name}.key`),
        '-out',
        file(`${name}.csr`),
        '-subj',
        `/CN=${name}`,
      ]);
      openssl([
        'x509',
        '-req',
        '-in',
        file(`${name}.csr`),
        '-CA',
        issuer.certFile,
        '-CAkey',
        issuer.keyFile,
        '-CAcreateserial',
        '-out',
        file(`${name}.pem`),
        '-days',
        '2',
        '-extfile',
        extensions,
      ]);
      return loaded(file(`${name}.pem`), file(`${name}.key`));
    },
  };
}
