import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest, Agent } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../observability/logger.js';
import { createAllocatorMetrics } from '../metrics.js';
import { makeTarget } from '../../../test/e2e/support/targets.js';
import { idleAllocatorServer } from '../../../test/e2e/support/idle-allocator-server.js';
import { Allocator } from '../allocator.js';
import { createStrategy } from '../strategies/registry.js';
import {
  testCertificateAuthority,
  testClientCertificate,
  testServingCertificate,
  type CertificateKeyPair,
} from '../../../test/e2e/support/test-certificates.js';
import {
  createAllocatorServer,
  type AllocatorServer,
  type AllocatorServerDeps,
} from './allocator-server.js';

const SCRAPE_CONFIGS = {
  app: { job_name: 'app', basic_auth: { username: 'u', password: 'hunter2' } },
};

interface Started {
  server: AllocatorServer;
  view: Allocator;
  base: string;
  deps: AllocatorServerDeps;
  ready: { value: boolean };
}

const running: AllocatorServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

async function startServer(overrides: Partial<AllocatorServerDeps> = {}): Promise<Started> {
  const view = new Allocator({ strategy: createStrategy('consistent-hashing') });
  view.setCollectors([{ id: 'col-0' }, { id: 'col-1' }]);
  view.setJobTargets('app', [
    makeTarget('app', '10.0.0.1:9100', { zone: 'a', __meta_kubernetes_pod_name: 'p1' }),
    makeTarget('app', '10.0.0.2:9100'),
  ]);
  view.setJobTargets('my job/x', [makeTarget('my job/x', '10.0.0.3:80')]);
  const ready = { value: false };
  const deps: AllocatorServerDeps = {
    view,
    scrapeConfigs: () => SCRAPE_CONFIGS,
    isReady: () => ready.value,
    metrics: createAllocatorMetrics({ defaultMetrics: false }),
    logger: silentLogger(),
    listenAddr: '127.0.0.1:0',
    allowInsecureAuthSecrets: false,
    strategy: 'consistent-hashing',
    ...overrides,
  };
  const server = createAllocatorServer(deps);
  await server.start();
  running.push(server);
  return { server, view, base: `http://127.0.0.1:${server.httpAddress().port}`, deps, ready };
}

/** The collector the real allocator placed a target on. */
function holder(view: Allocator, job: string, address: string): string {
  const id = view.collectorOf(job, `${job}/${address}`);
  if (id === undefined) throw new Error(`${job}/${address} is not assigned`);
  return id;
}

const other = (id: string): string => (id === 'col-0' ? 'col-1' : 'col-0');

describe('allocator HTTP API', () => {
  it('records every poll of a job by a collector, over keep-alive and single requests, for the handoff', async () => {
    const polls: string[] = [];
    const { base } = await startServer({
      recordPoll: (job, collectorId) => polls.push(`${job}|${collectorId}`),
    });
    const agent = new Agent({ keepAlive: true });
    const get = (path: string) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest(`${base}${path}`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end();
      });
    expect(await get('/jobs/app/targets?collector_id=col-0')).toBe(200);
    expect(await get('/jobs/my%20job%2Fx/targets?collector_id=col-1')).toBe(200);
    // Without a collector id, it is a person or a tool looking, not a collector's poll.
    expect(await get('/jobs/app/targets')).toBe(200);
    agent.destroy();
    expect((await fetch(`${base}/jobs/app/targets?collector_id=col-1`)).status).toBe(200);
    expect(polls).toEqual(['app|col-0', 'my job/x|col-1', 'app|col-1']);
  });

  it('serves http_sd groups for one collector, with the pre-relabel labels sorted and a trailing newline', async () => {
    const { base, view } = await startServer();
    view.setCollectors([{ id: 'col-0' }]);
    const res = await fetch(`${base}/jobs/app/targets?collector_id=col-0`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const text = await res.text();
    expect(text).toBe(
      '[{"targets":["10.0.0.1:9100"],"labels":{"__address__":"10.0.0.1:9100","__meta_kubernetes_pod_name":"p1","zone":"a"}},' +
        '{"targets":["10.0.0.2:9100"],"labels":{"__address__":"10.0.0.2:9100"}}]\n',
    );
  });

  it('serves gzip to clients that accept it and plain JSON to those that do not', async () => {
    const { server, view } = await startServer();
    // Bodies under 512 bytes are not worth compressing; make this one larger.
    view.setJobTargets(
      'app',
      Array.from({ length: 20 }, (_, i) => makeTarget('app', `10.2.0.${i}:9100`)),
    );
    const get = (headers: Record<string, string>) =>
      new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port: server.httpAddress().port,
            path: '/jobs/app/targets',
            headers,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }),
            );
          },
        );
        req.on('error', reject);
        req.end();
      });
    const plain = await get({});
    const gzipped = await get({ 'Accept-Encoding': 'gzip' });
    expect(plain.encoding).toBeUndefined();
    expect(gzipped.encoding).toBe('gzip');
    expect(gunzipSync(gzipped.body).toString()).toBe(plain.body.toString());
    expect(JSON.parse(plain.body.toString())).toHaveProperty('col-0');
  });

  it('serves the same bytes and headers from compact bodies (zero byte budget) as from plain ones', async () => {
    const targets = Array.from({ length: 30 }, (_, i) =>
      makeTarget('app', `10.3.0.${i}:9100`, { zone: `z${i % 3}` }),
    );
    const plain = await startServer();
    const compact = await startServer({ responseCacheMaxBytes: 0 });
    for (const { view } of [plain, compact]) view.setJobTargets('app', targets);
    for (const path of ['/jobs/app/targets?collector_id=col-0', '/jobs/app/targets']) {
      const variants: Record<string, string>[] = [{}, { 'Accept-Encoding': 'gzip' }];
      for (const headers of variants) {
        const [a, b] = await Promise.all(
          [plain, compact].map(async ({ base }) => {
            const res = await fetch(`${base}${path}`, { headers });
            const body = Buffer.from(await res.arrayBuffer());
            expect(body.length).toBeGreaterThan(512);
            return {
              body: body.toString(),
              etag: res.headers.get('etag'),
              type: res.headers.get('content-type'),
              vary: res.headers.get('vary'),
            };
          }),
        );
        expect(b).toEqual(a);
      }
    }
  });

  it('answers [] for an unknown job or collector', async () => {
    const { base } = await startServer();
    for (const path of [
      '/jobs/nope/targets?collector_id=col-0',
      '/jobs/app/targets?collector_id=zzz',
    ]) {
      const res = await fetch(base + path);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('[]\n');
    }
  });

  it('query-unescapes the job segment (+ and %2F) and uses only the first collector_id', async () => {
    const { base, view } = await startServer();
    const owner = holder(view, 'my job/x', '10.0.0.3:80');
    for (const job of ['my+job%2Fx', 'my%20job%2fx']) {
      const res = await fetch(
        `${base}/jobs/${job}/targets?collector_id=${owner}&collector_id=${other(owner)}`,
      );
      expect(await res.json()).toEqual([
        { targets: ['10.0.0.3:80'], labels: { __address__: '10.0.0.3:80' } },
      ]);
    }
  });

  it('lists jobs with query-escaped links', async () => {
    const { base } = await startServer();
    const res = await fetch(`${base}/jobs`);
    const text = await res.text();
    expect(text.endsWith('}\n')).toBe(true);
    expect(JSON.parse(text)).toEqual({
      app: { _link: '/jobs/app/targets' },
      'my job/x': { _link: '/jobs/my+job%2Fx/targets' },
    });
  });

  it('serves every collector of a job when no collector_id is given', async () => {
    const { base, view } = await startServer();
    const body = (await (await fetch(`${base}/jobs/my+job%2Fx/targets`)).json()) as Record<
      string,
      unknown
    >;
    expect(Object.keys(body)).toEqual(['col-0', 'col-1']);
    const owner = holder(view, 'my job/x', '10.0.0.3:80');
    expect(body[owner]).toEqual({
      _link: `/jobs/my+job%2Fx/targets?collector_id=${owner}`,
      targets: [{ targets: ['10.0.0.3:80'], labels: { __address__: '10.0.0.3:80' } }],
    });
    expect(body[other(owner)]).toEqual({
      _link: `/jobs/my+job%2Fx/targets?collector_id=${other(owner)}`,
      targets: [],
    });
  });

  it('answers 304 to a matching If-None-Match and a new ETag after the allocation changes', async () => {
    const { base, view } = await startServer();
    view.setCollectors([{ id: 'col-0' }]);
    const url = `${base}/jobs/app/targets?collector_id=col-0`;
    const first = await fetch(url);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^".+"$/);
    const again = await fetch(url, { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
    view.setJobTargets('app', [makeTarget('app', '10.0.0.9:9100')]);
    const changed = await fetch(url, { headers: { 'If-None-Match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(await changed.json()).toEqual([
      { targets: ['10.0.0.9:9100'], labels: { __address__: '10.0.0.9:9100' } },
    ]);
  });

  it('serves each target from exactly the collector the allocator holds it on, also after the pool changes', async () => {
    const { base, view } = await startServer();
    const many = Array.from({ length: 40 }, (_, i) => makeTarget('app', `10.1.0.${i}:9100`));
    view.setJobTargets('app', many);
    const servedBy = async (ids: readonly string[]): Promise<Map<string, string>> => {
      const result = new Map<string, string>();
      for (const id of ids) {
        const groups = (await (
          await fetch(`${base}/jobs/app/targets?collector_id=${id}`)
        ).json()) as Array<{ targets: string[] }>;
        for (const g of groups) {
          expect(result.has(g.targets[0]!)).toBe(false);
          result.set(g.targets[0]!, id);
        }
      }
      return result;
    };
    const check = async (ids: readonly string[]): Promise<void> => {
      const served = await servedBy(ids);
      expect(served.size).toBe(many.length);
      for (const t of many) expect(served.get(t.address)).toBe(holder(view, 'app', t.address));
    };
    await check(['col-0', 'col-1']);
    view.setCollectors([{ id: 'col-0' }, { id: 'col-1' }, { id: 'col-2' }]);
    await check(['col-0', 'col-1', 'col-2']);
    view.setCollectors([{ id: 'col-2' }]);
    await check(['col-2']);
    expect(await (await fetch(`${base}/jobs/app/targets?collector_id=col-0`)).text()).toBe('[]\n');
  });

  it('redacts secrets over plain HTTP and serves them when insecure secrets are allowed', async () => {
    const plain = await startServer();
    expect(await (await fetch(`${plain.base}/scrape_configs`)).json()).toEqual({
      app: { job_name: 'app', basic_auth: { username: 'u', password: '<secret>' } },
    });
    const insecure = await startServer({ allowInsecureAuthSecrets: true });
    expect(await (await fetch(`${insecure.base}/scrape_configs`)).json()).toEqual(SCRAPE_CONFIGS);
  });

  it('reports live always and ready only once the service says so', async () => {
    const { base, ready } = await startServer();
    expect((await fetch(`${base}/livez`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    ready.value = true;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
  });

  it('answers malformed escapes with 400 JSON and unknown routes with 404 JSON', async () => {
    const { base } = await startServer();
    const bad = await fetch(`${base}/jobs/bad%zz/targets?collector_id=col-0`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/invalid URL escape/);
    const badQuery = await fetch(`${base}/jobs/app/targets?collector_id=%G1`);
    expect(badQuery.status).toBe(400);
    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'no route for GET /nope; see / for the API' });
  });

  it('records request durations per route template, never per raw URL', async () => {
    const { base } = await startServer();
    await fetch(`${base}/jobs/app/targets?collector_id=col-0`);
    await fetch(`${base}/jobs/my+job%2Fx/targets?collector_id=col-1`);
    await fetch(`${base}/jobs`);
    await fetch(`${base}/nope/at/all`);
    const text = await (await fetch(`${base}/metrics`)).text();
    const paths = new Set(
      [
        ...text.matchAll(/opentelemetry_allocator_http_duration_seconds_count\{path="([^"]*)"\}/g),
      ].map((m) => m[1]),
    );
    expect(paths).toEqual(new Set(['/jobs/:job_id/targets', '/jobs', 'unmatched']));
    expect(text).toMatch(/_count\{path="\/jobs\/:job_id\/targets"\} 2/);
  });

  it('serves the human page as self-contained HTML', async () => {
    const { base } = await startServer();
    const res = await fetch(`${base}/`);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('col-0');
    expect(html).toContain('href="/jobs/my+job%2Fx/targets"');
  });

  it('stop() returns promptly while a keep-alive connection is open', async () => {
    const { server } = await startServer();
    const agent = new Agent({ keepAlive: true });
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: server.httpAddress().port, path: '/livez', agent },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end();
    });
    const started = Date.now();
    await server.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    agent.destroy();
  });
});

describe('allocator mTLS listener', () => {
  function httpsGet(
    port: number,
    path: string,
    tls: { ca: string; client?: CertificateKeyPair },
  ): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port,
          path,
          ca: tls.ca,
          cert: tls.client?.certPem,
          key: tls.client?.keyPem,
          agent: false,
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  async function writeTls(
    dir: string,
    ca: CertificateKeyPair,
    serving: CertificateKeyPair,
  ): Promise<void> {
    await writeFile(join(dir, 'ca.crt'), ca.certPem);
    await writeFile(join(dir, 'tls.crt'), serving.certPem);
    await writeFile(join(dir, 'tls.key'), serving.keyPem);
  }

  it('requires a client certificate from the CA, serves real secrets, and reloads a rotated CA', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'otel-ta-mtls-'));
    try {
      const ca = testCertificateAuthority();
      await writeTls(dir, ca, testServingCertificate(ca));
      const { server } = await startServer({
        https: {
          listenAddr: '127.0.0.1:0',
          caFile: join(dir, 'ca.crt'),
          certFile: join(dir, 'tls.crt'),
          keyFile: join(dir, 'tls.key'),
        },
      });
      const port = server.httpsAddress()!.port;
      const client = testClientCertificate(ca, 'collector-0');

      await expect(httpsGet(port, '/scrape_configs', { ca: ca.certPem })).rejects.toThrow();
      const ok = await httpsGet(port, '/scrape_configs', { ca: ca.certPem, client });
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.body)).toEqual(SCRAPE_CONFIGS);
      const targets = await httpsGet(port, '/jobs/app/targets', {
        ca: ca.certPem,
        client,
      });
      expect(Object.keys(JSON.parse(targets.body) as object)).toEqual(['col-0', 'col-1']);

      const rotated = testCertificateAuthority('rotated CA');
      await writeTls(dir, rotated, testServingCertificate(rotated));
      const rotatedClient = testClientCertificate(rotated, 'collector-0');
      await expect
        .poll(
          () =>
            httpsGet(port, '/livez', { ca: rotated.certPem, client: rotatedClient }).then(
              (r) => r.status,
              () => 0,
            ),
          { timeout: 5000, interval: 100 },
        )
        .toBe(200);
      await expect(httpsGet(port, '/livez', { ca: ca.certPem, client })).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start on missing or mismatched TLS files, naming the settings to fix', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'otel-ta-mtls-bad-'));
    const https = {
      listenAddr: '127.0.0.1:0',
      caFile: join(dir, 'ca.crt'),
      certFile: join(dir, 'tls.crt'),
      keyFile: join(dir, 'tls.key'),
    };
    const attempt = async (): Promise<unknown> => {
      const server = idleAllocatorServer(https);
      try {
        await server.start();
        return undefined;
      } catch (err) {
        return err;
      } finally {
        await server.stop();
      }
    };
    try {
      expect(await attempt()).toMatchObject({
        code: 'HTTPS_TLS_FILES_INVALID',
        message: expect.stringContaining('https.*_file_path') as unknown,
      });
      const ca = testCertificateAuthority();
      await writeTls(dir, ca, testServingCertificate(ca));
      await writeFile(https.keyFile, testServingCertificate(ca).keyPem);
      expect(await attempt()).toMatchObject({
        code: 'TLS_PAIR_INVALID',
        message: expect.stringContaining('https.*_file_path') as unknown,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
