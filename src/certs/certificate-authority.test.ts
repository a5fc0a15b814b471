import { X509Certificate, createPrivateKey } from 'node:crypto';
import forge from 'node-forge';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  caBundle,
  createCertificateAuthority,
  issueServingCertificate,
  serviceDnsNames,
  type CertificateKeyPair,
} from './certificate-authority.js';

describe('certificate authority and serving certificate', () => {
  let ca: CertificateKeyPair;
  let leaf: CertificateKeyPair;

  beforeAll(() => {
    ca = createCertificateAuthority({ commonName: 'otel-ta-ca', validityDays: 365 });
    leaf = issueServingCertificate(ca, {
      dnsNames: [...serviceDnsNames('otel-ta-webhook', 'otel-ta-system'), 'localhost'],
      ipAddresses: ['127.0.0.1'],
      validityDays: 90,
    });
  });

  it('issues a leaf that the CA verifies and whose key matches', () => {
    const caCert = new X509Certificate(ca.certPem);
    const cert = new X509Certificate(leaf.certPem);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(leaf.keyPem))).toBe(true);
    expect(caCert.ca).toBe(true);
    expect(cert.ca).toBe(false);
  });

  it('covers every name the API server may use for the Service, plus extra DNS names and IPs', () => {
    const cert = new X509Certificate(leaf.certPem);
    for (const name of [
      'otel-ta-webhook',
      'otel-ta-webhook.otel-ta-system',
      'otel-ta-webhook.otel-ta-system.svc',
      'otel-ta-webhook.otel-ta-system.svc.cluster.local',
      'localhost',
    ]) {
      expect(cert.checkHost(name)).toBe(name);
    }
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkHost('other.example')).toBeUndefined();
    expect(cert.subject).toContain('CN=otel-ta-webhook');
  });

  it('restricts the leaf to TLS server use with digitalSignature and keyEncipherment', () => {
    const cert = new X509Certificate(leaf.certPem);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // extKeyUsage serverAuth
    // Node exposes extKeyUsage only; the keyUsage bits are read with forge's parser.
    const keyUsage = forge.pki.certificateFromPem(leaf.certPem).getExtension('keyUsage') as {
      digitalSignature?: boolean;
      keyEncipherment?: boolean;
      keyCertSign?: boolean;
    };
    expect(keyUsage).toMatchObject({ digitalSignature: true, keyEncipherment: true });
    expect(keyUsage.keyCertSign).toBeFalsy();
  });

  it('uses RSA 2048 keys, SHA-256 signatures and random positive serials of 16+ bytes', () => {
    const cert = new X509Certificate(leaf.certPem);
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(forge.pki.certificateFromPem(leaf.certPem).siginfo.algorithmOid).toBe(
      forge.pki.oids.sha256WithRSAEncryption,
    );
    const other = issueServingCertificate(ca, { dnsNames: ['x'], validityDays: 1 });
    const serial = cert.serialNumber;
    expect(serial.length).toBeGreaterThanOrEqual(32);
    expect(Number.parseInt(serial.slice(0, 1), 16)).toBeLessThan(8);
    expect(new X509Certificate(other.certPem).serialNumber).not.toBe(serial);
  });

  it('is valid from slightly before now until the requested number of days', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const dated = issueServingCertificate(ca, { dnsNames: ['x'], validityDays: 10, now });
    const cert = new X509Certificate(dated.certPem);
    expect(new Date(cert.validFrom).getTime()).toBeLessThan(now.getTime());
    expect(new Date(cert.validTo).toISOString()).toBe('2030-01-11T00:00:00.000Z');
  });

  it('encodes the CA as a caBundle the webhook configuration accepts', () => {
    expect(Buffer.from(caBundle(ca.certPem), 'base64').toString('utf8')).toBe(ca.certPem);
  });

  it('refuses a serving certificate without any name', () => {
    expect(() => issueServingCertificate(ca, { dnsNames: [], validityDays: 1 })).toThrow(/DNS name or IP/);
  });
});
