import { createPrivateKey, X509Certificate } from 'node:crypto';

/** Renew at this fraction of a certificate's validity, so a failed attempt has a third to succeed. */
export const RENEW_AT_FRACTION = 2 / 3;

export interface CertificateState {
  readonly caCertPem?: string | undefined;
  readonly caKeyPem?: string | undefined;
  readonly servingCertPem?: string | undefined;
  readonly servingKeyPem?: string | undefined;
}

export type RotationNeed = 'none' | 'serving' | 'ca';

/**
 * What has to be (re)issued at `now`: a new CA (which implies a new serving certificate) when the
 * CA is missing, unreadable or past 2/3 of its validity; a new serving certificate when it is
 * missing, past 2/3, not issued by the current CA or missing one of the required DNS names. A key
 * that does not belong to its certificate (a Secret edited by hand) counts as missing: the webhook
 * cannot serve such a pair, and a CA key that does not match would sign certificates nobody trusts.
 */
export function rotationNeed(
  state: CertificateState,
  dnsNames: readonly string[],
  now: number,
): RotationNeed {
  const ca = parse(state.caCertPem);
  if (ca === undefined || !keyMatches(ca, state.caKeyPem) || dueForRenewal(ca, now)) return 'ca';
  const serving = parse(state.servingCertPem);
  if (serving === undefined || !keyMatches(serving, state.servingKeyPem)) return 'serving';
  if (dueForRenewal(serving, now) || !serving.checkIssued(ca) || !serving.verify(ca.publicKey)) {
    return 'serving';
  }
  const sans = new Set(
    (serving.subjectAltName ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.startsWith('DNS:'))
      .map((s) => s.slice(4)),
  );
  return dnsNames.every((n) => sans.has(n)) ? 'none' : 'serving';
}

export function dueForRenewal(cert: X509Certificate, now: number): boolean {
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  return now >= from + (to - from) * RENEW_AT_FRACTION;
}

/** When the earliest of the two certificates becomes due; undefined if one is unreadable. */
export function nextRenewal(state: CertificateState): number | undefined {
  const ca = parse(state.caCertPem);
  const serving = parse(state.servingCertPem);
  if (ca === undefined || serving === undefined) return undefined;
  const due = (c: X509Certificate): number => {
    const from = Date.parse(c.validFrom);
    return from + (Date.parse(c.validTo) - from) * RENEW_AT_FRACTION;
  };
  return Math.min(due(ca), due(serving));
}

/**
 * The trust bundle after a CA rotation: the new CA first, then the previous one while it is still
 * valid, so clients that have not seen the new serving certificate yet keep verifying the old one.
 */
export function trustBundle(
  newCaPem: string,
  previousCaPem: string | undefined,
  now: number,
): string {
  const previous = parse(previousCaPem);
  if (previous === undefined || Date.parse(previous.validTo) <= now) return newCaPem;
  if (previous.fingerprint256 === parse(newCaPem)?.fingerprint256) return newCaPem;
  return `${newCaPem.trimEnd()}\n${previous.toString().trimEnd()}\n`;
}

function keyMatches(cert: X509Certificate, keyPem: string | undefined): boolean {
  if (keyPem === undefined) return false;
  try {
    return cert.checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

function parse(pem: string | undefined): X509Certificate | undefined {
  if (pem === undefined || pem === '') return undefined;
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}
