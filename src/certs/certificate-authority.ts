import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';
import { UsageError } from '../errors.js';

/** A CA or leaf certificate with its private key, both PEM-encoded. */
export interface CertificateKeyPair {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface CertificateAuthorityOptions {
  readonly commonName: string;
  readonly validityDays: number;
  /** Injected for tests; defaults to the current time. */
  readonly now?: Date;
}

export interface ServingCertificateOptions {
  readonly dnsNames: readonly string[];
  readonly ipAddresses?: readonly string[];
  readonly validityDays: number;
  /** Defaults to the first DNS name (or IP address). */
  readonly commonName?: string;
  readonly now?: Date;
}

const ORGANIZATION = 'otel-ta';
const DAY_MS = 24 * 60 * 60 * 1000;
// Clocks of the API server and this host may differ slightly; a certificate that starts "now"
// would be rejected as not yet valid by a server whose clock runs a little behind.
const BACKDATE_MS = 5 * 60 * 1000;

/**
 * Forge generates RSA keys in pure JavaScript (seconds per key); Node's native generator takes
 * milliseconds, so the key comes from `node:crypto` and is converted to forge's representation.
 */
function generateRsaKeyPair(): forge.pki.rsa.KeyPair {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicExponent: 0x10001,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  const forgePrivate = forge.pki.privateKeyFromPem(privateKey);
  const forgePublic = forge.pki.setRsaPublicKey(forgePrivate.n, forgePrivate.e);
  return { privateKey: forgePrivate, publicKey: forgePublic };
}

/** A positive serial of 17 bytes: 16 random bytes behind a 0x01 byte, so it never starts with a sign bit. */
function randomSerialHex(): string {
  return `01${randomBytes(16).toString('hex')}`;
}

function validity(cert: forge.pki.Certificate, now: Date, validityDays: number): void {
  cert.validity.notBefore = new Date(now.getTime() - BACKDATE_MS);
  cert.validity.notAfter = new Date(now.getTime() + validityDays * DAY_MS);
}

function toPair(cert: forge.pki.Certificate, keys: forge.pki.rsa.KeyPair): CertificateKeyPair {
  return {
    certPem: forge.pki.certificateToPem(cert),
    keyPem: forge.pki.privateKeyToPem(keys.privateKey),
  };
}

export function createCertificateAuthority(options: CertificateAuthorityOptions): CertificateKeyPair {
  const keys = generateRsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = randomSerialHex();
  validity(cert, options.now ?? new Date(), options.validityDays);
  const subject = [
    { name: 'commonName', value: options.commonName },
    { name: 'organizationName', value: ORGANIZATION },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return toPair(cert, keys);
}

export function issueServingCertificate(
  ca: CertificateKeyPair,
  options: ServingCertificateOptions,
): CertificateKeyPair {
  const ipAddresses = options.ipAddresses ?? [];
  const commonName = options.commonName ?? options.dnsNames[0] ?? ipAddresses[0];
  if (commonName === undefined) {
    throw new UsageError(
      'CERT_NO_SUBJECT_NAMES',
      'a serving certificate needs at least one DNS name or IP address: pass --service/--namespace, --dns or --ip',
    );
  }
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const keys = generateRsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = randomSerialHex();
  validity(cert, options.now ?? new Date(), options.validityDays);
  cert.setSubject([
    { name: 'commonName', value: commonName },
    { name: 'organizationName', value: ORGANIZATION },
  ]);
  cert.setIssuer(caCert.subject.attributes);
  const altNames = [
    ...options.dnsNames.map((value) => ({ type: 2, value })),
    ...ipAddresses.map((ip) => ({ type: 7, ip })),
  ];
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return toPair(cert, keys);
}

/** The DNS names the API server may use to reach a webhook Service. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.cluster.local`,
  ];
}

/** The `caBundle` value of a webhook configuration: the CA certificate's PEM, base64-encoded. */
export function caBundle(caCertPem: string): string {
  return Buffer.from(caCertPem, 'utf8').toString('base64');
}
