import { request } from 'node:http';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveOnLoopback, type LoopbackHttp } from '../../test/e2e/support/loopback-http.js';
import { createLogger, silentLogger } from '../observability/logger.js';
import { admissionReviewResponse, allow, allowWithPatch } from './admission-review.js';
import { conversionSuccess } from './conversion-review.js';
import { admissionReviewRequest } from './review-client.js';
import { createWebhookApp } from './webhook-app.js';
import { createWebhookMetrics } from './webhook-metrics.js';

interface Reply {
  response: {
    uid: string;
    allowed?: boolean;
    status: { code: number; message: string; reason: string };
  };
}

/** Plain HTTP in-process: this suite is about the app's contract; TLS is covered in test/integration. */
describe('createWebhookApp', () => {
  let http: LoopbackHttp;
  let base: string;
  const metrics = createWebhookMetrics({ defaultMetrics: false });

  beforeAll(async () => {
    const app = createWebhookApp({
      handlers: {
        mutate: (req) => {
          if (req.name === 'explode') throw new Error('boom');
          return allow();
        },
        validate: () => allow(['checked']),
        convert: () => {
          throw new Error('conversion boom');
        },
      },
      metrics,
      logger: silentLogger(),
      ready: () => false,
    });
    http = await serveOnLoopback(app);
    base = http.base;
  });

  afterAll(() => http.close());

  function post(path: string, body: unknown): Promise<{ status: number; body: Reply }> {
    return new Promise((resolve, reject) => {
      const req = request(
        `${base}${path}`,
        { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' } },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Reply }),
          );
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  }

  it('contains an exception in a handler to that request: a 500 review naming the failure', async () => {
    const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'explode' } };
    const reply = await post('/mutate', admissionReviewRequest(object, { uid: 'x1' }));
    expect(reply.status).toBe(200);
    expect(reply.body.response).toMatchObject({
      uid: 'x1',
      allowed: false,
      status: { code: 500, reason: 'InternalError' },
    });
    expect(reply.body.response.status.message).toContain('boom');
    const next = await post(
      '/mutate',
      admissionReviewRequest({ ...object, metadata: { name: 'fine' } }, { uid: 'x2' }),
    );
    expect(next.body.response).toEqual({ uid: 'x2', allowed: true });
  });

  it('contains an exception in conversion as a failed ConversionReview', async () => {
    const reply = await post('/convert', {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'ConversionReview',
      request: { uid: 'c', desiredAPIVersion: 'x/v1', objects: [] },
    });
    expect(reply.body.response).toMatchObject({
      uid: 'c',
      result: { status: 'Failure', code: 500 },
    });
    expect(conversionSuccess('c', []).response.result.status).toBe('Success');
  });

  it('accepts a charset parameter on the JSON Content-Type and returns warnings', async () => {
    const reply = await post('/validate', admissionReviewRequest({ kind: 'X' }, { uid: 'w' }));
    expect(reply.body.response).toEqual({ uid: 'w', allowed: true, warnings: ['checked'] });
  });

  it("answers the API server's /validate?timeout=10s form of the path, and a trailing slash", async () => {
    for (const path of ['/validate?timeout=10s', '/validate/', '/VALIDATE']) {
      const reply = await post(path, admissionReviewRequest({ kind: 'X' }, { uid: 'q' }));
      expect(reply.body.response).toEqual({ uid: 'q', allowed: true, warnings: ['checked'] });
    }
  });

  it('reads a gzip-compressed review body', async () => {
    const body = gzipSync(JSON.stringify(admissionReviewRequest({ kind: 'X' }, { uid: 'z' })));
    const reply = await new Promise<Reply>((resolve, reject) => {
      const req = request(
        `${base}/validate`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve(JSON.parse(text) as Reply));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(reply.response).toEqual({ uid: 'z', allowed: true, warnings: ['checked'] });
  });

  it('reports not ready on /readyz when the service says so', async () => {
    const status = await new Promise<number>((resolve) => {
      request(`${base}/readyz`, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).end();
    });
    expect(status).toBe(503);
  });

  it('records the error outcome in the latency histogram', async () => {
    const text = await metrics.registry.metrics();
    expect(text).toMatch(
      /otel_ta_webhook_request_duration_seconds_count\{endpoint="mutate",outcome="error"\} 1/,
    );
  });
});

describe('createWebhookApp logging', () => {
  it('writes one line per review, and failures through the redacting logger', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done): void {
        lines.push(
          ...chunk
            .toString()
            .split('\n')
            .filter((line) => line !== ''),
        );
        done();
      },
    });
    const failure = Object.assign(new Error('boom'), { password: 'hunter2' });
    const app = createWebhookApp({
      handlers: {
        mutate: (req) => {
          if (req.name === 'explode') throw failure;
          return allow();
        },
        validate: () => allow(),
        convert: () => conversionSuccess('c1', []),
      },
      metrics: createWebhookMetrics({ defaultMetrics: false }),
      logger: createLogger({ level: 'info', name: 'test' }, sink),
      ready: () => true,
    });
    const http = await serveOnLoopback(app);
    const send = (name: string, uid: string): Promise<void> =>
      new Promise((resolve, reject) => {
        const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } };
        const req = request(
          `${http.base}/mutate`,
          { method: 'POST', headers: { 'content-type': 'application/json' } },
          (res) => res.resume().on('end', resolve),
        );
        req.on('error', reject);
        req.end(JSON.stringify(admissionReviewRequest(object, { uid })));
      });
    try {
      await send('plain', 'u1');
      await send('explode', 'u2');
    } finally {
      await http.close();
    }
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const summaries = records.filter((record) => record.msg === 'admission request');
    expect(summaries.map((record) => [record.uid, record.outcome])).toEqual([
      ['u1', 'allowed'],
      ['u2', 'error'],
    ]);
    expect(summaries[0]).toMatchObject({ endpoint: 'mutate', name: 'plain', allowed: true });
    const failed = records.find((record) => record.msg === 'admission handler failed');
    expect(failed).toMatchObject({ uid: 'u2', err: { message: 'boom', password: '<secret>' } });
    expect(lines.join('\n')).not.toContain('hunter2');
  });
});

describe('createWebhookApp answers with a patch', () => {
  it('sends the review byte for byte with its Content-Length', async () => {
    const value = `caf\u00e9 ${'x'.repeat(70_000)}`;
    const decision = allowWithPatch([{ op: 'add', path: '/spec/config', value }], ['w']);
    const app = createWebhookApp({
      handlers: {
        mutate: () => decision,
        validate: () => allow(),
        convert: () => conversionSuccess('c1', []),
      },
      metrics: createWebhookMetrics({ defaultMetrics: false }),
      logger: silentLogger(),
      ready: () => true,
    });
    const http = await serveOnLoopback(app);
    try {
      const reply = await new Promise<{ length: string | undefined; body: Buffer }>(
        (resolve, reject) => {
          const req = request(
            `${http.base}/mutate`,
            { method: 'POST', headers: { 'content-type': 'application/json' } },
            (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (chunk: Buffer) => chunks.push(chunk));
              res.on('end', () =>
                resolve({ length: res.headers['content-length'], body: Buffer.concat(chunks) }),
              );
            },
          );
          req.on('error', reject);
          const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'p' } };
          req.end(JSON.stringify(admissionReviewRequest(object, { uid: 'p1' })));
        },
      );
      const expected = Buffer.from(JSON.stringify(admissionReviewResponse('p1', decision)), 'utf8');
      expect(reply.body.equals(expected)).toBe(true);
      expect(reply.length).toBe(String(expected.length));
    } finally {
      await http.close();
    }
  });
});
