import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startLocalWebhook, type LocalWebhook } from '../../src/webhook/local-webhook.js';
import { ReviewClient, admissionReviewRequest } from '../../src/webhook/review-client.js';

const MANIFEST = parse(
  readFileSync(
    new URL('../fixtures/collectors/collector-with-ta.v1alpha1.yaml', import.meta.url),
    'utf8',
  ),
) as { spec: Record<string, unknown> };

interface Review {
  apiVersion: string;
  kind: string;
  response: {
    uid: string;
    allowed: boolean;
    patch?: string;
    status?: { code: number; message: string };
  };
}

/** The documentation's manifest with parts of its spec replaced. */
function collectorWith(spec: Record<string, unknown>): unknown {
  return { ...MANIFEST, spec: { ...MANIFEST.spec, ...spec } };
}

function reviewOf(object: unknown, uid: string): string {
  return JSON.stringify(admissionReviewRequest(object, { uid }));
}

interface Case {
  readonly name: string;
  readonly path: '/mutate' | '/validate';
  readonly body: string | Buffer;
  readonly contentType?: string;
  readonly uid: string;
  readonly code: number;
  readonly message: RegExp;
}

const CASES: readonly Case[] = [
  {
    name: 'a body that is not JSON',
    path: '/mutate',
    body: '{"apiVersion": ',
    uid: '',
    code: 400,
    message: /not valid JSON/,
  },
  {
    name: 'an empty body',
    path: '/mutate',
    body: '',
    uid: '',
    code: 400,
    message: /body is empty/,
  },
  {
    name: 'a JSON array',
    path: '/validate',
    body: '[1,2]',
    uid: '',
    code: 400,
    message: /AdmissionReview JSON object/,
  },
  {
    name: 'a wrong apiVersion',
    path: '/mutate',
    body: JSON.stringify({
      ...admissionReviewRequest(MANIFEST, { uid: 'old' }),
      apiVersion: 'admission.k8s.io/v1beta1',
    }),
    uid: 'old',
    code: 400,
    message:
      /expected apiVersion admission\.k8s\.io\/v1 kind AdmissionReview.*admissionReviewVersions: \[v1\]/,
  },
  {
    name: 'a review without request',
    path: '/mutate',
    body: JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }),
    uid: '',
    code: 400,
    message: /no request/,
  },
  {
    name: 'a body over the size limit',
    path: '/mutate',
    body: Buffer.alloc(4 * 1024 * 1024, 0x20),
    uid: '',
    code: 413,
    message: /exceeds the webhook's limit/,
  },
  {
    name: 'a non-JSON Content-Type',
    path: '/mutate',
    body: reviewOf(MANIFEST, 'form'),
    contentType: 'text/plain',
    uid: '',
    code: 415,
    message: /Content-Type must be application\/json/,
  },
  {
    name: 'a config string that is not YAML',
    path: '/mutate',
    body: reviewOf(collectorWith({ config: 'receivers: [unclosed\n  : :' }), 'yaml'),
    uid: 'yaml',
    code: 400,
    message: /spec\.config is not valid YAML.*fix the YAML syntax/,
  },
  {
    name: 'a config of the wrong type',
    path: '/mutate',
    body: reviewOf(collectorWith({ config: 42 }), 'type'),
    uid: 'type',
    code: 400,
    message: /spec\.config is a number; write it as a YAML string/,
  },
  {
    name: 'an unknown mode',
    path: '/validate',
    body: reviewOf(collectorWith({ mode: 'banana' }), 'mode'),
    uid: 'mode',
    code: 422,
    message: /mode is set to banana, which does not support the target allocation deployment/,
  },
  {
    name: 'a prometheus receiver that is not a map',
    path: '/mutate',
    body: reviewOf(collectorWith({ config: 'receivers:\n  prometheus: [1, 2]\n' }), 'receiver'),
    uid: 'receiver',
    code: 400,
    message: /receivers\.prometheus is a list; it must be a map/,
  },
  {
    name: 'a prometheus receiver that is not a map (validation)',
    path: '/validate',
    body: reviewOf(collectorWith({ config: 'receivers:\n  prometheus: hello\n' }), 'receiver-v'),
    uid: 'receiver-v',
    code: 422,
    message: /Prometheus configuration is incorrect/,
  },
];

describe('admission webhook: malformed requests', () => {
  let webhook: LocalWebhook;
  let client: ReviewClient;

  beforeAll(async () => {
    webhook = await startLocalWebhook();
    client = new ReviewClient({ baseUrl: webhook.url, ca: webhook.ca.certPem });
  });

  afterAll(async () => {
    client.close();
    await webhook.stop();
  });

  it.each(CASES)(
    'answers $name with a denying AdmissionReview and stays healthy',
    async (testCase) => {
      const reply = await client.send('POST', testCase.path, testCase.body, {
        'content-type': testCase.contentType ?? 'application/json',
      });
      expect(reply.status).toBe(200);
      expect(reply.headers['content-type']).toMatch(/^application\/json/);
      const review = JSON.parse(reply.text) as Review;
      expect(review).toMatchObject({
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        response: { uid: testCase.uid, allowed: false, status: { code: testCase.code } },
      });
      expect(review.response.status?.message).toMatch(testCase.message);
      expect(review.response.patch).toBeUndefined();

      expect((await client.send('GET', '/healthz')).status).toBe(200);
      const good = await client.postJson(
        '/mutate',
        admissionReviewRequest(MANIFEST, { uid: 'after' }),
      );
      expect((good.body as Review).response).toMatchObject({ uid: 'after', allowed: true });
    },
  );

  it('answers a malformed ConversionReview with a failed ConversionReview', async () => {
    const reply = await client.send('POST', '/convert', '{"kind": "ConversionReview"}');
    expect(JSON.parse(reply.text)).toMatchObject({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'ConversionReview',
      response: { uid: '', convertedObjects: [], result: { status: 'Failure', code: 400 } },
    });
    const large = await client.send('POST', '/convert', Buffer.alloc(4 * 1024 * 1024, 0x20));
    expect(JSON.parse(large.text)).toMatchObject({
      response: { result: { status: 'Failure', code: 413 } },
    });
  });

  it('answers unknown paths and methods with JSON, not an HTML page', async () => {
    const reply = await client.send('GET', '/mutate');
    expect(reply.status).toBe(404);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(reply.text).toContain('POST /mutate');
  });

  it('counts rejected requests in the latency histogram', async () => {
    const metrics = (await client.send('GET', '/metrics')).text;
    expect(metrics).toMatch(
      /otel_ta_webhook_request_duration_seconds_count\{endpoint="mutate",outcome="rejected"\} [1-9]/,
    );
  });
});
