import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveOnLoopback, type LoopbackHttp } from '../../test/e2e/support/loopback-http.js';
import { silentLogger } from '../observability/logger.js';
import {
  allowWithPatch,
  deny,
  type AdmissionDecision,
  type AdmissionRequest,
} from './admission-review.js';
import { conversionSuccess } from './conversion-review.js';
import { parseAdmissionReview } from './parse-admission-review.js';
import { serialiseAdmissionReview } from './review-json.js';
import { admissionReviewRequest } from './review-client.js';
import { createWebhookApp } from './webhook-app.js';
import { createWebhookMetrics } from './webhook-metrics.js';

/** Handlers with a decision scope: the app answers a byte-identical object again without calling them. */
describe('createWebhookApp with a decision scope', () => {
  let http: LoopbackHttp;
  let base: string;
  let calls = 0;
  let scope: object = {};
  let scopeLabel = 'first';

  /** A pure decision that names everything it saw, so a wrong reuse shows in the answer. */
  const decision = (request: AdmissionRequest, label: string): AdmissionDecision => {
    const object = request.object as { metadata?: { name?: string } };
    if (object.metadata?.name === 'deny') return deny(403, `denied ü ${label}`);
    const seen = [label, request.operation, request.namespace, request.name, object];
    return allowWithPatch(
      [
        { op: 'add', path: '/metadata/annotations', value: { seen: JSON.stringify(seen) } },
        { op: 'add', path: '/spec', value: { config: 'ü'.repeat(5000) } },
      ],
      [`policy ${label}`],
    );
  };
  const handle = (request: AdmissionRequest): AdmissionDecision => {
    calls++;
    const object = request.object as { metadata?: { name?: string } };
    if (object.metadata?.name === 'explode') throw new Error('boom');
    return decision(request, scopeLabel);
  };

  beforeAll(async () => {
    const app = createWebhookApp({
      handlers: {
        mutate: handle,
        validate: (request) => ({ ...handle(request), warnings: ['validated'] }),
        convert: () => conversionSuccess('c', []),
        decisionScope: () => scope,
      },
      metrics: createWebhookMetrics({ defaultMetrics: false }),
      logger: silentLogger(),
      ready: () => true,
    });
    http = await serveOnLoopback(app);
    base = http.base;
  });

  afterAll(() => http.close());

  function post(path: string, body: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = request(
        `${base}${path}`,
        { method: 'POST', headers: { 'content-type': 'application/json' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const body = Buffer.concat(chunks);
            expect(res.headers['content-length']).toBe(String(body.length));
            resolve(body.toString('utf8'));
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  const collector = (name: string, extra: Record<string, unknown> = {}): unknown => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'ns' },
    data: { text: 'ü "quoted" \\ 🎉' },
    ...extra,
  });

  /** Posts the review and checks the answer is, byte for byte, the decision for what was sent. */
  async function admit(
    object: unknown,
    options: Parameters<typeof admissionReviewRequest>[1],
    text = JSON.stringify(admissionReviewRequest(object, options)),
    endpoint: 'mutate' | 'validate' = 'mutate',
  ): Promise<void> {
    const answer = await post(`/${endpoint}`, text);
    const parsed = parseAdmissionReview(JSON.parse(text));
    if (!parsed.ok) throw new Error('the test sends valid reviews');
    const expected = decision(parsed.request, scopeLabel);
    expect(answer).toBe(
      serialiseAdmissionReview(
        options.uid,
        endpoint === 'validate' ? { ...expected, warnings: ['validated'] } : expected,
      ),
    );
  }

  it('answers a byte-identical object again without the handler, with the new uid', async () => {
    const before = calls;
    await admit(collector('a'), { uid: 'u1' });
    await admit(collector('a'), { uid: 'u2', dryRun: true });
    await admit(collector('a'), { uid: 'ü-"3"', oldObject: { other: true } });
    expect(calls - before).toBe(1);
  });

  it('asks the handler again for any other object bytes, operation, namespace, name, endpoint or scope', async () => {
    await admit(collector('b'), { uid: 'v0' });
    const before = calls;
    const text = JSON.stringify(admissionReviewRequest(collector('b'), { uid: 'v1' }));
    await admit(collector('b'), { uid: 'v1' }, text.replace('"data":{', '"data": {'));
    await admit(collector('b', { data: { text: 'other' } }), { uid: 'v2' });
    await admit(collector('b'), { uid: 'v3', operation: 'UPDATE' });
    await admit(collector('b'), { uid: 'v4', namespace: 'elsewhere' });
    await admit(
      collector('b'),
      { uid: 'v5' },
      text
        .replace('"name":"b","namespace"', '"name":"c","namespace"')
        .replace('"uid":"v1"', '"uid":"v5"'),
    );
    await admit(collector('b'), { uid: 'v6' }, undefined, 'validate');
    expect(calls - before).toBe(6);
    scope = {};
    scopeLabel = 'second';
    await admit(collector('b'), { uid: 'v7' });
    expect(calls - before).toBe(7);
    await admit(collector('b'), { uid: 'v8' });
    expect(calls - before).toBe(7);
  });

  it('keeps denials, and asks again after a handler failure, which it answers as a 500 each time', async () => {
    const before = calls;
    await admit(collector('deny'), { uid: 'd1' });
    await admit(collector('deny'), { uid: 'd2' });
    expect(calls - before).toBe(1);
    for (const uid of ['e1', 'e2']) {
      const answer = JSON.parse(
        await post(
          '/mutate',
          JSON.stringify(admissionReviewRequest(collector('explode'), { uid })),
        ),
      ) as { response: { uid: string; status: { code: number; message: string } } };
      expect(answer.response.uid).toBe(uid);
      expect(answer.response.status.code).toBe(500);
      expect(answer.response.status.message).toContain('boom');
    }
    expect(calls - before).toBe(3);
  });

  it('answers a review it cannot read around its object as the whole parse does', async () => {
    const before = calls;
    const reply = JSON.parse(
      await post('/mutate', '{"request":{"uid":"x","object":{}},"request":1}'),
    ) as {
      response: { status: { code: number } };
    };
    expect(reply.response.status.code).toBe(400);
    expect(calls - before).toBe(0);
  });
});
