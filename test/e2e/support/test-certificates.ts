import forge from 'node-forge';
import {
  createCertificateAuthority,
  issueServingCertificate,
  type CertificateKeyPair,
} from '../../../src/certs/certificate-authority.js';
import { generateKeyPairSync } from 'node:crypto';

export type { CertificateKeyPair };

export function testCertificateAuthority(commonName = 'otel-ta test CA'): CertificateKeyPair {
  return createCertificateAuthority({ commonName, validityDays: 1 });
}

export function testServingCertificate(ca: CertificateKeyPair): CertificateKeyPair {
  return issueServingCertificate(ca, {
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    validityDays: 1,
  });
}

/** A client certificate (extKeyUsage clientAuth) signed by `ca`, for mTLS tests. */
export function testClientCertificate(
  ca: CertificateKeyPair,
  commonName: string,
): CertificateKeyPair {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  const key = forge.pki.privateKeyFromPem(privateKey);
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = '01' + forge.util.bytesToHex(forge.random.getBytesSync(16));
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  cert.setSubject([{ name: 'commonName', value: commonName }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', clientAuth: true },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: privateKey };
}
