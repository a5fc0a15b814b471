import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueServingCertificate } from '../../certs/index.js';
import { createHttpSdFactory } from './http-sd-provider.js';
import { ManualClock } from './manual-clock.js';
import { RecordingSink, counterValue, testContext, testDeps } from './test-support.js';

describe('http_sd_configs over TLS with file-based credentials (real HTTPS server)', () => {
  let dir: string;
  let server: Server;
  let url: string;
  const seen: { authorization?: string; refresh?: string }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'http-sd-tls-'));
    const ca = createCertificateAuthority({ commonName: 'test-ca', validityDays: 1 });
    const leaf = issueServingCertificate(ca, {
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
      validityDays: 1,
    });
    writeFileSync(join(dir, 'ca.crt'), ca.certPem);
    writeFileSync(join(dir, 'token'), 'first-token\n');
    server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
      seen.push({
        authorization: req.headers.authorization,
        refresh: req.headers['x-prometheus-refresh-interval-seconds'] as string | undefined,
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify([{ targets: ['tls:1'] }]));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/sd`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(config: Record<string, unknown>) {
    const clock = new ManualClock();
    const deps = testDeps({ clock });
    const provider = createHttpSdFactory(deps)(
      { url, refresh_interval: '15s', ...config },
      testContext({ baseDir: dir }),
    );
    const sink = new RecordingSink();
    await provider.start(sink.sink);
    return { sink, deps, clock, provider };
  }

  it('verifies the server against ca_file and re-reads bearer_token_file on every refresh', async () => {
    const { sink, clock, provider } = await run({
      tls_config: { ca_file: 'ca.crt' },
      bearer_token_file: 'token',
    });
    await sink.waitFor(() => sink.addresses().join() === 'tls:1');
    const before = seen.length;
    writeFileSync(join(dir, 'token'), 'rotated-token\n');
    clock.advance(15_000);
    const deadline = Date.now() + 3000;
    while (seen.length === before) {
      if (Date.now() > deadline) throw new Error('no second request');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await provider.stop();
    // The same answer twice is not re-sent downstream.
    expect(sink.emissions).toHaveLength(1);
    expect(seen.slice(-2)).toEqual([
      { authorization: 'Bearer first-token', refresh: '15' },
      { authorization: 'Bearer rotated-token', refresh: '15' },
    ]);
  });

  it('rejects a server it cannot verify, unless insecure_skip_verify is set', async () => {
    const strict = await run({});
    const deadline = Date.now() + 3000;
    while ((await counterValue(strict.deps.metrics, 'discoveryErrors')) === 0) {
      if (Date.now() > deadline) throw new Error('no discovery error counted');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await strict.provider.stop();
    expect(strict.sink.emissions).toEqual([]);
    const lax = await run({ tls_config: { insecure_skip_verify: true } });
    await lax.sink.waitFor(() => lax.sink.addresses().join() === 'tls:1');
    await lax.provider.stop();
  });
});
