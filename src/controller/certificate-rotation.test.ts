import { describe, expect, it } from 'vitest';
import {
  createCertificateAuthority,
  issueServingCertificate,
  serviceDnsNames,
} from '../certs/index.js';
import { nextRenewal, rotationNeed, trustBundle } from './certificate-rotation.js';

const DAY = 24 * 60 * 60 * 1000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const names = serviceDnsNames('otel-ta-webhook', 'otel-ta-system');

function issue(
  now: number,
  caDays = 30,
  leafDays = 9,
): {
  caCertPem: string;
  caKeyPem: string;
  servingCertPem: string;
  servingKeyPem: string;
} {
  const ca = createCertificateAuthority({
    commonName: 'ca',
    validityDays: caDays,
    now: new Date(now),
  });
  const leaf = issueServingCertificate(ca, {
    dnsNames: names,
    validityDays: leafDays,
    now: new Date(now),
  });
  return {
    caCertPem: ca.certPem,
    caKeyPem: ca.keyPem,
    servingCertPem: leaf.certPem,
    servingKeyPem: leaf.keyPem,
  };
}

// Key generation is slow on a loaded machine: one CA and serving certificate for the whole file.
const shared = issue(T0);

describe('rotationNeed', () => {
  const state = shared;

  it('needs a CA when there is nothing yet', () => {
    expect(rotationNeed({}, names, T0)).toBe('ca');
  });

  it('needs nothing for fresh certificates', () => {
    expect(rotationNeed(state, names, T0 + DAY)).toBe('none');
  });

  it('renews the serving certificate at 2/3 of its validity, not before', () => {
    // 9 days (+5 min backdating): 2/3 is a little after day 6.
    expect(rotationNeed(state, names, T0 + 5.9 * DAY)).toBe('none');
    expect(rotationNeed(state, names, T0 + 6.1 * DAY)).toBe('serving');
  });

  it('renews the CA at 2/3 of its validity', () => {
    expect(rotationNeed(state, names, T0 + 20.1 * DAY)).toBe('ca');
  });

  it('reissues a serving certificate that lacks a required name or was signed by another CA', () => {
    expect(rotationNeed(state, [...names, 'other.svc'], T0)).toBe('serving');
    const other = issue(T0);
    expect(rotationNeed({ ...state, servingCertPem: other.servingCertPem }, names, T0)).toBe(
      'serving',
    );
  });

  it('reissues a pair whose private key was replaced by hand (the key no longer matches)', () => {
    const other = issue(T0);
    // tls.key from another pair: the webhook cannot serve it, so the serving pair is reissued.
    expect(rotationNeed({ ...state, servingKeyPem: other.servingKeyPem }, names, T0)).toBe(
      'serving',
    );
    // ca.key from another CA: every certificate signed with it would fail against ca.crt.
    expect(rotationNeed({ ...state, caKeyPem: other.caKeyPem }, names, T0)).toBe('ca');
    expect(rotationNeed({ ...state, caKeyPem: 'garbage' }, names, T0)).toBe('ca');
    expect(rotationNeed({ ...state, servingKeyPem: 'garbage' }, names, T0)).toBe('serving');
  });

  it('treats unreadable PEM as missing', () => {
    expect(rotationNeed({ ...state, caCertPem: 'garbage' }, names, T0)).toBe('ca');
    expect(rotationNeed({ ...state, servingCertPem: 'garbage' }, names, T0)).toBe('serving');
  });

  it('nextRenewal is the earlier of the two due times', () => {
    const due = nextRenewal(state)!;
    expect(due).toBeGreaterThan(T0 + 5.9 * DAY);
    expect(due).toBeLessThan(T0 + 6.1 * DAY);
  });
});

describe('trustBundle', () => {
  it('keeps the previous CA after a rollover while it is valid, then drops it', () => {
    const ca = (now: number): string =>
      createCertificateAuthority({ commonName: 'ca', validityDays: 30, now: new Date(now) })
        .certPem;
    const old = ca(T0);
    const fresh = ca(T0 + 20 * DAY);
    const during = trustBundle(fresh, old, T0 + 21 * DAY);
    expect(during.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(during.startsWith(fresh.trimEnd())).toBe(true);
    expect(trustBundle(fresh, old, T0 + 31 * DAY)).toBe(fresh);
    expect(trustBundle(fresh, undefined, T0)).toBe(fresh);
  });
});
