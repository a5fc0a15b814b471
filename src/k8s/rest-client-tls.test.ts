import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCertificateAuthority,
  issueServingCertificate,
  type CertificateKeyPair,
} from '../certs/index.js';
import { loadKubeConfig } from './client.js';
import type { KubeCredentials } from './credentials.js';
import { InClusterCredentials } from './in-cluster-credentials.js';
import { KubeRestClient } from './rest-client.js';

/**
 * Our API clients verify the server: its chain to the configured CA and its name (IP or DNS SAN),
 * unless a kubeconfig says otherwise (tls-server-name, insecure-skip-tls-verify). A server that
 * fails either check never sees the bearer token.
 */
describe('the API clients verify the API server they send the token to', () => {
  const ca = createCertificateAuthority({ commonName: 'cluster CA', validityDays: 1 });
  const otherCa = createCertificateAuthority({ commonName: 'someone else', validityDays: 1 });
  let directory: string;
  const servers: Server[] = [];
  const seen: (string | undefined)[] = [];

  async function serve(serving: CertificateKeyPair): Promise<number> {
    const server = createServer({ cert: serving.certPem, key: serving.keyPem }, (req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"kind":"Status"}');
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  const forIp = (issuer: CertificateKeyPair): CertificateKeyPair =>
    issueServingCertificate(issuer, { dnsNames: [], ipAddresses: ['127.0.0.1'], validityDays: 1 });
  const forName = (issuer: CertificateKeyPair, name: string): CertificateKeyPair =>
    issueServingCertificate(issuer, { dnsNames: [name], validityDays: 1 });

  async function reaches(credentials: KubeCredentials): Promise<boolean> {
    const client = new KubeRestClient(credentials);
    try {
      await client.request({ method: 'GET', path: '/api' });
      return true;
    } catch {
      return false;
    } finally {
      client.close();
    }
  }

  function inCluster(port: number): InClusterCredentials {
    return new InClusterCredentials({ host: '127.0.0.1', port: String(port), directory });
  }

  function kubeconfig(port: number, cluster: Record<string, unknown>): KubeCredentials {
    const path = join(directory, `kubeconfig-${port}-${Object.keys(cluster).join('-')}`);
    writeFileSync(
      path,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'c',
            cluster: {
              server: `https://127.0.0.1:${port}`,
              'certificate-authority-data': Buffer.from(ca.certPem).toString('base64'),
              ...cluster,
            },
          },
        ],
        users: [{ name: 'u', user: { token: 'kubeconfig-token' } }],
        contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'ctx',
      }),
    );
    return loadKubeConfig({ kubeconfigPath: path }, {});
  }

  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'otel-ta-kube-tls-'));
    writeFileSync(join(directory, 'ca.crt'), ca.certPem);
    writeFileSync(join(directory, 'token'), 'sa-token\n');
  });

  afterAll(() => {
    for (const server of servers) server.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('in a pod: refuses a server whose certificate is from another CA or for another name', async () => {
    seen.length = 0;
    expect(await reaches(inCluster(await serve(forIp(ca))))).toBe(true);
    expect(await reaches(inCluster(await serve(forIp(otherCa))))).toBe(false);
    expect(await reaches(inCluster(await serve(forName(ca, 'not-this-host.example'))))).toBe(false);
    expect(seen).toEqual(['Bearer sa-token']);
  });

  it('with a kubeconfig: verifies the CA and the name, honours tls-server-name and insecure-skip-tls-verify', async () => {
    seen.length = 0;
    expect(await reaches(kubeconfig(await serve(forIp(otherCa)), {}))).toBe(false);
    const named = await serve(forName(ca, 'kubernetes.default.svc'));
    expect(await reaches(kubeconfig(named, {}))).toBe(false);
    expect(await reaches(kubeconfig(named, { 'tls-server-name': 'kubernetes.default.svc' }))).toBe(
      true,
    );
    const skip = { 'insecure-skip-tls-verify': true, 'certificate-authority-data': undefined };
    expect(await reaches(kubeconfig(await serve(forIp(otherCa)), skip))).toBe(true);
    expect(seen).toEqual(['Bearer kubeconfig-token', 'Bearer kubeconfig-token']);
  });
});
