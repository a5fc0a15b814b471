import { X509Certificate, createPrivateKey } from 'node:crypto';

export type KeyPairCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Checks that a certificate and key PEM parse and belong together: a half-written or mismatched
 * pair must never replace the one being served.
 */
export function checkCertificateKeyPair(certPem: string, keyPem: string): KeyPairCheck {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(certPem);
  } catch {
    return { ok: false, reason: 'the certificate file is not a PEM X.509 certificate' };
  }
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    return { ok: false, reason: 'the key file is not a PEM private key' };
  }
  if (!certificate.checkPrivateKey(key)) {
    return { ok: false, reason: 'the private key does not match the certificate' };
  }
  return { ok: true };
}

/** The PEM certificate blocks of a text (a CA bundle holds one per CA), in order. */
export function pemCertificates(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
}

/** Checks that a CA bundle holds at least one PEM certificate and that each one parses. */
export function checkCaBundle(caPem: string): KeyPairCheck {
  const blocks = pemCertificates(caPem);
  if (blocks.length === 0) return { ok: false, reason: 'the CA file holds no PEM certificate' };
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch {
      return { ok: false, reason: 'the CA file holds a certificate that does not parse' };
    }
  }
  return { ok: true };
}

/**
 * Checks that the (first) certificate of a PEM has not expired at `now`: a replacement that has
 * (an old Secret restored from a backup, a stale manifest re-applied) would turn a working listener
 * into one every client refuses.
 */
export function checkNotExpired(certPem: string, now: number): KeyPairCheck {
  let validTo: number;
  try {
    validTo = Date.parse(new X509Certificate(certPem).validTo);
  } catch {
    return { ok: false, reason: 'the certificate file is not a PEM X.509 certificate' };
  }
  if (!Number.isNaN(validTo) && validTo < now) {
    return {
      ok: false,
      reason: `the certificate expired at ${new Date(validTo).toISOString()}`,
    };
  }
  return { ok: true };
}
