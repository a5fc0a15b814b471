import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueServingCertificate } from '../certs/index.js';
import { loadKubeConfig } from './client.js';
import { InClusterCredentials, InClusterError } from './in-cluster-credentials.js';
import { KubeRestClient } from './rest-client.js';

describe('the pod service account (in-cluster credentials)', () => {
  const ca = createCertificateAuthority({ commonName: 'test-ca', validityDays: 1 });
  const serving = issueServingCertificate(ca, {
    dnsNames: [],
    ipAddresses: ['127.0.0.1'],
    validityDays: 1,
  });
  let directory: string;
  let server: Server;
  const seenAuthorization: (string | undefined)[] = [];

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'otel-ta-sa-'));
    writeFileSync(join(directory, 'ca.crt'), ca.certPem);
    writeFileSync(join(directory, 'token'), 'first-token\n');
    server = createServer({ cert: serving.certPem, key: serving.keyPem }, (req, res) => {
      seenAuthorization.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"kind":"Status"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(() => {
    server.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('reaches the API server over TLS verified by the mounted CA, with the mounted token, re-read after a minute', async () => {
    let now = 0;
    const credentials = new InClusterCredentials({
      host: '127.0.0.1',
      port: String((server.address() as AddressInfo).port),
      directory,
      now: () => now,
    });
    const client = new KubeRestClient(credentials);
    try {
      await client.request({ method: 'GET', path: '/api' });
      writeFileSync(join(directory, 'token'), 'rotated-token\n');
      now += 30_000;
      await client.request({ method: 'GET', path: '/api' });
      now += 30_000;
      await client.request({ method: 'GET', path: '/api' });
    } finally {
      client.close();
    }
    expect(seenAuthorization).toEqual([
      'Bearer first-token',
      'Bearer first-token',
      'Bearer rotated-token',
    ]);
  });

  it('says what is missing outside a pod or without a mounted token', () => {
    expect(() => new InClusterCredentials({ host: undefined, port: '443', directory })).toThrow(
      'KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set',
    );
    expect(
      () => new InClusterCredentials({ host: '10.0.0.1', port: '443', directory: '/nonexistent' }),
    ).toThrow(InClusterError);
    expect(() => loadKubeConfig({}, {})).toThrow(
      /cannot load the kubeconfig \(in-cluster\): .*pass --kubeconfig with a readable file, or run inside a pod/,
    );
  });

  it('brackets an IPv6 service host', () => {
    const credentials = new InClusterCredentials({ host: 'fd00::1', port: '443', directory });
    expect(credentials.getCurrentCluster().server).toBe('https://[fd00::1]:443');
  });
});
