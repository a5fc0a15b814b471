import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../errors.js';
import { createLogger } from '../../observability/logger.js';
import { createHttpSdFactory } from './http-sd-provider.js';
import { ManualClock } from './manual-clock.js';
import type { DiscoveryProvider } from './provider.js';
import { RecordingSink, counterValue, testContext, testDeps } from './test-support.js';

interface Reply {
  status: number;
  type: string;
  body: string;
}

describe('http_sd_configs against a real local server', () => {
  let server: Server;
  let url: string;
  let reply: Reply;
  let seenAuth: (string | undefined)[];
  let provider: DiscoveryProvider | undefined;

  beforeEach(async () => {
    seenAuth = [];
    reply = { status: 200, type: 'application/json', body: '[]' };
    server = createServer((req, res) => {
      seenAuth.push(req.headers.authorization);
      if (req.headers.authorization !== `Basic ${Buffer.from('prom:s3cret').toString('base64')}`) {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(reply.status, { 'content-type': reply.type }).end(reply.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sd`;
  });
  afterEach(async () => {
    await provider?.stop();
    provider = undefined;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function started(clock: ManualClock, config: Record<string, unknown> = {}) {
    const deps = testDeps({ clock });
    provider = createHttpSdFactory(deps)(
      {
        url,
        refresh_interval: '10s',
        basic_auth: { username: 'prom', password: 's3cret' },
        ...config,
      },
      testContext(),
    );
    const sink = new RecordingSink();
    await provider.start(sink.sink);
    return { sink, deps };
  }

  it('sends basic auth and emits the groups with __meta_url and url:index sources', async () => {
    reply.body = JSON.stringify([
      { targets: ['a:1'], labels: { team: 'x' } },
      { targets: ['b:1', 'b:2'] },
    ]);
    const { sink } = await started(new ManualClock());
    await sink.waitFor(() => sink.addresses().length === 3);
    expect(seenAuth[0]).toBe(`Basic ${Buffer.from('prom:s3cret').toString('base64')}`);
    expect(sink.bySource.get(`${url}:0`)?.labels).toEqual({ team: 'x', __meta_url: url });
    expect(sink.bySource.get(`${url}:1`)?.targets).toEqual([
      { __address__: 'b:1' },
      { __address__: 'b:2' },
    ]);
  });

  it('keeps the last good targets when the server answers 500, and counts the error', async () => {
    reply.body = JSON.stringify([{ targets: ['a:1'] }]);
    const clock = new ManualClock();
    const { sink, deps } = await started(clock);
    await sink.waitFor(() => sink.addresses().length === 1);
    reply = { status: 500, type: 'text/plain', body: 'boom' };
    clock.advance(10_000);
    await waitUntil(async () => (await counterValue(deps.metrics, 'discoveryErrors')) === 1);
    expect(sink.addresses()).toEqual(['a:1']);
    reply = {
      status: 200,
      type: 'application/json; charset=utf-8',
      body: JSON.stringify([{ targets: ['c:1'] }]),
    };
    clock.advance(10_000);
    await sink.waitFor(() => sink.addresses().join() === 'c:1');
  });

  it.each([
    [{ status: 200, type: 'text/html', body: '[]' }],
    [{ status: 200, type: 'application/json', body: '{"targets": []}' }],
    [{ status: 200, type: 'application/json', body: '[{"targets": [1]}]' }],
    [{ status: 200, type: 'application/json', body: 'not json' }],
  ])(
    'rejects an invalid response %j like Prometheus and keeps the last good targets',
    async (bad) => {
      reply.body = JSON.stringify([{ targets: ['a:1'] }]);
      const clock = new ManualClock();
      const { sink, deps } = await started(clock);
      await sink.waitFor(() => sink.addresses().length === 1);
      reply = bad;
      clock.advance(10_000);
      await waitUntil(async () => (await counterValue(deps.metrics, 'discoveryErrors')) === 1);
      expect(sink.addresses()).toEqual(['a:1']);
    },
  );

  it('ignores keys it does not know in a group, as Prometheus decodes the JSON', async () => {
    reply.body = JSON.stringify([{ targets: ['a:1'], labels: { team: 'x' }, comment: 'rack 4' }]);
    const { sink } = await started(new ManualClock());
    await sink.waitFor(() => sink.addresses().length === 1);
    expect(sink.bySource.get(`${url}:0`)?.labels).toEqual({ team: 'x', __meta_url: url });
  });

  it('clears sources the server no longer returns', async () => {
    reply.body = JSON.stringify([{ targets: ['a:1'] }, { targets: ['b:1'] }]);
    const clock = new ManualClock();
    const { sink } = await started(clock);
    await sink.waitFor(() => sink.addresses().length === 2);
    reply.body = JSON.stringify([{ targets: ['a:1'] }]);
    clock.advance(10_000);
    await sink.waitFor(() => sink.addresses().join() === 'a:1');
  });

  it('never logs the password of a URL with credentials', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done): void {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const logger = createLogger({ level: 'info', name: 'test' }, destination);
    const deps = testDeps({ clock: new ManualClock() });
    reply = { status: 500, type: 'text/plain', body: 'boom' };
    provider = createHttpSdFactory(deps)(
      { url: url.replace('http://', 'http://prom:s3cret@'), refresh_interval: '10s' },
      testContext({ logger }),
    );
    await provider.start(new RecordingSink().sink);
    await waitUntil(() => Promise.resolve(lines.length > 0));
    expect(seenAuth[0]).toBe(`Basic ${Buffer.from('prom:s3cret').toString('base64')}`);
    expect(lines.join('')).toContain('prom:xxxxx@127.0.0.1');
    expect(lines.join('')).not.toContain('s3cret');
  });

  it.each([
    [{ url: 'ftp://x/y' }, 'URL scheme must be http or https'],
    [{ url: undefined }, 'url is required'],
    [
      { url: 'http://x/', bearer_token: 't', basic_auth: { username: 'u' } },
      'at most one of basic_auth',
    ],
    [
      { url: 'http://x/', authorization: { type: 'Basic', credentials: 'x' } },
      'use "basic_auth" instead',
    ],
    [{ url: 'http://x/', proxy_url: 'http://proxy' }, 'proxy_url: is not supported'],
    [
      { url: 'http://x/', tls_config: { cert_file: '/c' } },
      'needs both cert(_file) and key(_file)',
    ],
  ])('rejects %j at load', (config, message) => {
    const build = (): unknown => createHttpSdFactory(testDeps())(config, testContext());
    expect(build).toThrow(UsageError);
    expect(build).toThrow(message);
  });
});

describe('http_sd_configs against a server that never answers', () => {
  it('stops at once, cancelling the request in flight instead of waiting out its timeout', async () => {
    const server = createServer(() => {
      // Never answers.
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const provider = createHttpSdFactory(testDeps({ clock: new ManualClock() }))(
        { url: `http://127.0.0.1:${port}/sd`, refresh_interval: '60s' },
        testContext(),
      );
      await provider.start(new RecordingSink().sink);
      await new Promise((r) => setTimeout(r, 50));
      const started = Date.now();
      await provider.stop();
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
