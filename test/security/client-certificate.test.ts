// presentedCertificate on real TLS connections: the thumbprint RFC 8705 binds to, whether the CA bundle
// verified the certificate, and the subject alternative names a service identity is taken from, with
// certificates made by openssl at test time.
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { certificateIdentity, presentedCertificate, type PresentedCertificate } from '@praesidium/access';
import { createTestPki, type TestCertificate, type TestPki } from '../support/test-pki.js';

let pki: TestPki;
let server: Server;
let seen: (PresentedCertificate | undefined)[];

beforeAll(async () => {
  pki = createTestPki();
  const serverCert = pki.issue('tls-server', ['IP:127.0.0.1'], pki.ca, true);
  seen = [];
  server = createServer(
    {
      cert: serverCert.cert,
      key: serverCert.key,
      ca: pki.ca.cert,
      requestCert: true,
      rejectUnauthorized: false,
    },
    (socket: TLSSocket) => {
      seen.push(presentedCertificate(socket));
      socket.end('ok');
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

async function present(certificate?: TestCertificate): Promise<PresentedCertificate | undefined> {
  const before = seen.length;
  await new Promise<void>((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port: (server.address() as AddressInfo).port,
      ca: pki.ca.cert,
      ...(certificate ? { cert: certificate.cert, key: certificate.key } : {}),
    });
    socket.on('data', () => socket.end());
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
  expect(seen).toHaveLength(before + 1);
  return seen[before];
}

describe('client certificates on a TLS connection', () => {
  it('reads a trusted certificate: its x5t#S256 thumbprint, verified, URI and DNS SANs', async () => {
    const cert = pki.issue('svc-a', [
      'URI:spiffe://hospital.test/ns/ai/sa/scheduler',
      'DNS:scheduler.hospital.test',
    ]);
    const presented = await present(cert);
    expect(presented).toEqual({
      thumbprint: cert.thumbprint,
      verified: true,
      uris: ['spiffe://hospital.test/ns/ai/sa/scheduler'],
      dnsNames: ['scheduler.hospital.test'],
    });
    expect(certificateIdentity(presented as PresentedCertificate)).toBe(
      'spiffe://hospital.test/ns/ai/sa/scheduler',
    );
  });

  it('takes the DNS SAN as identity when there is no URI SAN', async () => {
    const presented = await present(
      pki.issue('svc-b', ['DNS:batch.hospital.test', 'DNS:batch2.hospital.test']),
    );
    expect(certificateIdentity(presented as PresentedCertificate)).toBe('batch.hospital.test');
  });

  it('marks a certificate from an untrusted CA as not verified', async () => {
    const rogue = pki.issue('rogue-svc', ['URI:spiffe://hospital.test/ns/ai/sa/scheduler'], pki.rogueCa);
    expect(await present(rogue)).toMatchObject({ thumbprint: rogue.thumbprint, verified: false });
  });

  it('keeps a SAN holding a comma as one name, so it cannot pass for two', async () => {
    const presented = await present(
      pki.issue('svc-c', ['URI:spiffe://hospital.test/a, URI:spiffe://evil', 'DNS:c.hospital.test']),
    );
    expect(presented?.uris).toEqual(['spiffe://hospital.test/a, URI:spiffe://evil']);
    expect(presented?.dnsNames).toEqual(['c.hospital.test']);
  });

  it('finds no certificate when the client sends none', async () => {
    expect(await present()).toBeUndefined();
  });
});
