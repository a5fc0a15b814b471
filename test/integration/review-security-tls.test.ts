/**
 * What a cluster admin's TLS scan of our two listeners checks: the webhook (called by the API
 * server) and the allocator's mTLS listener (called by collectors). Both speak TLS 1.2+ with
 * forward-secret AEAD suites only, also after a certificate reload; the allocator admits only
 * clients with a valid certificate from its CA. Real listeners, real handshakes.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type ConnectionOptions } from 'node:tls';
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AllocatorServer } from '../../src/allocator/server/allocator-server.js';
import { startLocalWebhook, type LocalWebhook } from '../../src/webhook/local-webhook.js';
import {
  testCertificateAuthority,
  testClientCertificate,
  testServingCertificate,
  type CertificateKeyPair,
} from '../e2e/support/test-certificates.js';
import { idleAllocatorServer } from '../e2e/support/idle-allocator-server.js';

/** TLS 1.2 suites a scanner flags: RSA key exchange (no forward secrecy), CBC modes, SHA-1 MACs. */
const WEAK_TLS12_CIPHERS = [
  'AES128-SHA',
  'AES256-GCM-SHA384',
  'AES128-SHA256',
  'ECDHE-RSA-AES128-SHA',
  'ECDHE-RSA-AES256-SHA384',
];

type Outcome = { readonly status: string } | { readonly refused: string };

/** One HTTP/1.1 GET over a fresh TLS connection: the status line, or why the handshake failed. */
function get(port: number, path: string, options: ConnectionOptions): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, servername: 'localhost', ...options });
    let data = '';
    let error = '';
    socket.on('secureConnect', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
    socket.on('error', (err: Error) => {
      error = err.message;
    });
    socket.on('close', () => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(data)?.[1];
      resolve(status === undefined ? { refused: error || 'closed without an answer' } : { status });
    });
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
  });
}

function expiredClientCertificate(ca: CertificateKeyPair): CertificateKeyPair {
  const client = testClientCertificate(ca, 'collector-expired');
  const cert = forge.pki.certificateFromPem(client.certPem);
  cert.validity.notBefore = new Date(Date.now() - 3 * 86_400_000);
  cert.validity.notAfter = new Date(Date.now() - 86_400_000);
  cert.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: client.keyPem };
}

describe('the allocator mTLS listener', () => {
  let dir: string;
  let ca: CertificateKeyPair;
  let serving: CertificateKeyPair;
  let client: CertificateKeyPair;
  let server: AllocatorServer;
  let port: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'otel-ta-review-security-'));
    ca = testCertificateAuthority();
    serving = testServingCertificate(ca);
    client = testClientCertificate(ca, 'collector-0');
    await writeFile(join(dir, 'ca.crt'), ca.certPem);
    await writeFile(join(dir, 'tls.crt'), serving.certPem);
    await writeFile(join(dir, 'tls.key'), serving.keyPem);
    server = idleAllocatorServer({
      listenAddr: '127.0.0.1:0',
      caFile: join(dir, 'ca.crt'),
      certFile: join(dir, 'tls.crt'),
      keyFile: join(dir, 'tls.key'),
    });
    await server.start();
    port = server.httpsAddress()!.port;
  });

  afterAll(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const withClient = (extra: ConnectionOptions = {}): ConnectionOptions => ({
    ca: ca.certPem,
    cert: client.certPem,
    key: client.keyPem,
    ...extra,
  });

  it('serves a client with a certificate from its CA over TLS 1.3 and over TLS 1.2 with ECDHE-GCM', async () => {
    expect(await get(port, '/livez', withClient())).toEqual({ status: '200' });
    expect(
      await get(
        port,
        '/livez',
        withClient({ maxVersion: 'TLSv1.2', ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' }),
      ),
    ).toEqual({ status: '200' });
  });

  it('refuses a client without a certificate, with one from another CA, an expired one, or a server certificate', async () => {
    const other = testClientCertificate(testCertificateAuthority('another CA'), 'collector-0');
    const expired = expiredClientCertificate(ca);
    for (const identity of [
      { cert: undefined, key: undefined },
      { cert: other.certPem, key: other.keyPem },
      { cert: expired.certPem, key: expired.keyPem },
      // Extended key usage serverAuth only: not a client certificate.
      { cert: serving.certPem, key: serving.keyPem },
    ]) {
      expect(await get(port, '/scrape_configs', withClient(identity))).toHaveProperty('refused');
    }
  });

  it('refuses TLS 1.1 and TLS 1.2 suites without forward secrecy or with CBC', async () => {
    expect(
      await get(port, '/livez', withClient({ minVersion: 'TLSv1', maxVersion: 'TLSv1.1' })),
    ).toHaveProperty('refused');
    for (const ciphers of WEAK_TLS12_CIPHERS) {
      expect(
        await get(port, '/livez', withClient({ maxVersion: 'TLSv1.2', ciphers })),
        ciphers,
      ).toHaveProperty('refused');
    }
  });
});

describe('the admission webhook listener', () => {
  let webhook: LocalWebhook;
  let port: number;

  beforeAll(async () => {
    webhook = await startLocalWebhook({ pollIntervalMs: 100 });
    port = Number(new URL(webhook.url).port);
  });

  afterAll(async () => {
    await webhook.stop();
  });

  it('answers over TLS 1.3 and TLS 1.2 with ECDHE-GCM (what the API server offers)', async () => {
    const ca = webhook.ca.certPem;
    expect(await get(port, '/healthz', { ca })).toEqual({ status: '200' });
    expect(
      await get(port, '/healthz', {
        ca,
        maxVersion: 'TLSv1.2',
        ciphers: 'ECDHE-RSA-AES256-GCM-SHA384',
      }),
    ).toEqual({ status: '200' });
  });

  it('refuses TLS 1.1 and weak TLS 1.2 suites, also after the certificate is replaced', async () => {
    const ca = webhook.ca.certPem;
    const weak = async (): Promise<void> => {
      expect(
        await get(port, '/healthz', { ca, minVersion: 'TLSv1', maxVersion: 'TLSv1.1' }),
      ).toHaveProperty('refused');
      for (const ciphers of WEAK_TLS12_CIPHERS) {
        expect(
          await get(port, '/healthz', { ca, maxVersion: 'TLSv1.2', ciphers }),
          ciphers,
        ).toHaveProperty('refused');
      }
    };
    await weak();
    const replacement = testServingCertificate(webhook.ca);
    await writeFile(webhook.files.tlsCert, replacement.certPem);
    await writeFile(webhook.files.tlsKey, replacement.keyPem);
    await expect
      .poll(() => webhook.service.metrics.tlsReloads.get().then((m) => m.values.length), {
        timeout: 5000,
      })
      .toBeGreaterThan(0);
    await weak();
  });
});
