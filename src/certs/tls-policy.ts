/**
 * The TLS settings of every listener we run (the webhook, the allocator's mTLS listener), in the
 * first secure context and in each one a certificate reload installs.
 *
 * Node's default list still accepts TLS 1.2 suites with RSA key exchange (no forward secrecy),
 * CBC modes and SHA-1 MACs, which security scans flag. Our clients are the API server, the
 * collectors and Prometheus (Go's TLS stack): they all offer ECDHE with AES-GCM or ChaCha20, so
 * TLS 1.2 is limited to those (Mozilla's "intermediate" profile without DHE, for which we have no
 * parameters anyway). TLS 1.3's suites are all AEAD and are named so that listing TLS 1.2 suites
 * does not leave TLS 1.3 without any.
 */
export const MIN_TLS_VERSION = 'TLSv1.2';

export const TLS_CIPHERS = [
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

export interface TlsPolicy {
  readonly minVersion: typeof MIN_TLS_VERSION;
  readonly ciphers: string;
  /** The server picks from its own order, so a client cannot steer it to its weakest offer. */
  readonly honorCipherOrder: true;
}

export const TLS_POLICY: TlsPolicy = {
  minVersion: MIN_TLS_VERSION,
  ciphers: TLS_CIPHERS,
  honorCipherOrder: true,
};
