/**
 * A client that opens a connection to one of our TLS listeners and never completes the handshake
 * (a slowloris at the TLS layer, or a port scanner) is cut off as quickly as a slow request,
 * instead of holding the socket for node's default of 120 s. Real listeners, raw TCP clients.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReloadingTlsCredentials } from '../../src/certs/index.js';
import { silentLogger } from '../../src/observability/logger.js';
import { WebhookServer } from '../../src/webhook/webhook-server.js';
import {
  testCertificateAuthority,
  testServingCertificate,
} from '../e2e/support/test-certificates.js';
import { idleAllocatorServer } from '../e2e/support/idle-allocator-server.js';

/** Milliseconds until the server closes a connection on which the client sends `bytes` and then nothing. */
function heldFor(port: number, bytes: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect({ host: '127.0.0.1', port }, () => socket.write(bytes));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(Date.now() - started));
    socket.resume();
    setTimeout(() => {
      socket.destroy();
      reject(new Error('the server still held the connection after 5 s'));
    }, 5000).unref();
  });
}

/** The first bytes of a TLS record header: a ClientHello that never arrives in full. */
const PARTIAL_CLIENT_HELLO = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]);

async function tlsFiles(): Promise<{ dir: string; ca: string; cert: string; key: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'otel-ta-review-limits-'));
  const ca = testCertificateAuthority();
  const serving = testServingCertificate(ca);
  const files = {
    dir,
    ca: join(dir, 'ca.crt'),
    cert: join(dir, 'tls.crt'),
    key: join(dir, 'tls.key'),
  };
  await writeFile(files.ca, ca.certPem);
  await writeFile(files.cert, serving.certPem);
  await writeFile(files.key, serving.keyPem);
  return files;
}

describe('TLS listeners cut off handshakes that do not finish', () => {
  it('the webhook closes a connection whose handshake is not done within its request timeout', async () => {
    const files = await tlsFiles();
    const server = new WebhookServer({
      app: (_req, res) => res.end('ok'),
      credentials: new ReloadingTlsCredentials({
        certFile: files.cert,
        keyFile: files.key,
        logger: silentLogger(),
        watch: false,
      }),
      host: '127.0.0.1',
      port: 0,
      logger: silentLogger(),
      requestTimeoutMs: 500,
    });
    try {
      const { port } = await server.start();
      expect(await heldFor(port, Buffer.alloc(0))).toBeLessThan(3000);
      expect(await heldFor(port, PARTIAL_CLIENT_HELLO)).toBeLessThan(3000);
    } finally {
      await server.stop();
      await rm(files.dir, { recursive: true, force: true });
    }
  });

  it("the allocator's mTLS listener closes a connection whose handshake is not done in time", async () => {
    const files = await tlsFiles();
    const server = idleAllocatorServer(
      { listenAddr: '127.0.0.1:0', caFile: files.ca, certFile: files.cert, keyFile: files.key },
      { tlsHandshakeTimeoutMs: 500 },
    );
    try {
      await server.start();
      const port = server.httpsAddress()!.port;
      expect(await heldFor(port, Buffer.alloc(0))).toBeLessThan(3000);
      expect(await heldFor(port, PARTIAL_CLIENT_HELLO)).toBeLessThan(3000);
    } finally {
      await server.stop();
      await rm(files.dir, { recursive: true, force: true });
    }
  });
});
