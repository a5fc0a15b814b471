import { readFileSync } from 'node:fs';
import { connect } from 'node:tls';
import jsonPatch, { type Operation } from 'fast-json-patch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startLocalWebhook, type LocalWebhook } from '../../src/webhook/local-webhook.js';
import { ReviewClient, admissionReviewRequest } from '../../src/webhook/review-client.js';

/** The fields these tests look at; the fixtures are full OpenTelemetryCollector manifests. */
interface Collector {
  apiVersion: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec: { mode?: string; targetAllocator?: Record<string, unknown>; config: unknown };
}

interface ScrapeConfig {
  http_sd_configs?: { url: string; refresh_interval?: string }[];
  static_configs?: unknown;
}

function fixture(name: string): Collector {
  const url = new URL(`../fixtures/collectors/${name}`, import.meta.url);
  return parse(readFileSync(url, 'utf8')) as Collector;
}

const MANIFEST = fixture('collector-with-ta.v1alpha1.yaml');
const MANIFEST_V1BETA1 = fixture('collector-with-ta.v1beta1.yaml');

interface Review {
  apiVersion: string;
  kind: string;
  response: {
    uid: string;
    allowed: boolean;
    patchType?: string;
    patch?: string;
    warnings?: string[];
    status?: { code: number; message: string };
  };
}

function decodePatch(review: Review): Operation[] {
  return review.response.patch === undefined
    ? []
    : (JSON.parse(Buffer.from(review.response.patch, 'base64').toString('utf8')) as Operation[]);
}

function applied(object: Collector, review: Review): Collector {
  return jsonPatch.applyPatch(structuredClone(object), decodePatch(review), true, false)
    .newDocument;
}

describe('admission webhook over TLS', () => {
  let webhook: LocalWebhook;
  let client: ReviewClient;

  beforeAll(async () => {
    webhook = await startLocalWebhook({ allocatorImage: 'registry.example.com/otel-ta:test' });
    client = new ReviewClient({ baseUrl: webhook.url, ca: webhook.ca.certPem });
  });

  afterAll(async () => {
    client.close();
    await webhook.stop();
  });

  async function review(
    path: string,
    object: unknown,
    options: Parameters<typeof admissionReviewRequest>[1],
  ) {
    const reply = await client.postJson(path, admissionReviewRequest(object, options));
    expect(reply.status).toBe(200);
    return reply.body as Review;
  }

  it("mutates the documentation's manifest: defaults, http_sd rewrite, stash, as a base64 JSONPatch", async () => {
    const answer = await review('/mutate', MANIFEST, { uid: 'doc-1' });
    expect(answer).toMatchObject({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' });
    expect(answer.response).toMatchObject({ uid: 'doc-1', allowed: true, patchType: 'JSONPatch' });
    const mutated = applied(MANIFEST, answer);
    expect(mutated.spec.targetAllocator).toEqual({
      enabled: true,
      replicas: 1,
      allocationStrategy: 'consistent-hashing',
      filterStrategy: 'relabel-config',
      image: 'registry.example.com/otel-ta:test',
    });
    const config = mutated.spec.config as string;
    expect(config).toContain(
      'url: http://collector-with-ta-targetallocator.observability.svc:80/jobs/otel-collector/targets?collector_id=${env:POD_NAME}',
    );
    expect(config).not.toContain('static_configs');
    expect(config).toContain('replacement: $$1');
    expect(config).toContain(
      "# SigV4 signs the remote-write requests with the pod's AWS credentials.",
    );
    expect(mutated.metadata.annotations?.['otel-ta.dev/original-scrape-configs']).toContain(
      '0.0.0.0:8888',
    );
  });

  it('answers an already-mutated object with no patch at all', async () => {
    const once = applied(MANIFEST, await review('/mutate', MANIFEST, { uid: 'idem-1' }));
    const again = await review('/mutate', once, {
      uid: 'idem-2',
      operation: 'UPDATE',
      oldObject: once,
    });
    expect(again.response.allowed).toBe(true);
    expect(again.response.patch).toBeUndefined();
    expect(again.response.patchType).toBeUndefined();
  });

  it('answers a dry-run request exactly like a real one', async () => {
    const real = await review('/mutate', MANIFEST, { uid: 'same' });
    const dry = await review('/mutate', MANIFEST, { uid: 'same', dryRun: true });
    expect(dry).toEqual(real);
  });

  it('mutates the v1beta1 form of the manifest too', async () => {
    const answer = await review('/mutate', MANIFEST_V1BETA1, { uid: 'beta' });
    const mutated = applied(MANIFEST_V1BETA1, answer);
    const config = mutated.spec.config as {
      receivers: { prometheus: { config: { scrape_configs: ScrapeConfig[] } } };
    };
    const scrape = config.receivers.prometheus.config.scrape_configs[0]!;
    expect(scrape.http_sd_configs?.[0]?.url).toContain(
      '/jobs/otel-collector/targets?collector_id=${env:POD_NAME}',
    );
    expect(scrape.static_configs).toBeUndefined();
  });

  it('lets DELETE, other kinds and collectors without a trigger pass untouched', async () => {
    const deleted = await review('/mutate', MANIFEST, { uid: 'del', operation: 'DELETE' });
    expect(deleted.response).toEqual({ uid: 'del', allowed: true });
    const configMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x' },
      data: { a: 'b' },
    };
    expect((await review('/mutate', configMap, { uid: 'cm' })).response).toEqual({
      uid: 'cm',
      allowed: true,
    });
    const plain = structuredClone(MANIFEST);
    delete plain.spec.targetAllocator;
    expect((await review('/mutate', plain, { uid: 'plain' })).response).toEqual({
      uid: 'plain',
      allowed: true,
    });
  });

  it('validates the mutated manifest and denies an unsupported mode with the upstream message', async () => {
    const mutated = applied(MANIFEST, await review('/mutate', MANIFEST, { uid: 'v0' }));
    expect((await review('/validate', mutated, { uid: 'v1' })).response).toMatchObject({
      uid: 'v1',
      allowed: true,
    });
    const deployment = structuredClone(mutated);
    deployment.spec.mode = 'deployment';
    const denied = await review('/validate', deployment, { uid: 'v2' });
    expect(denied.response).toMatchObject({ uid: 'v2', allowed: false, status: { code: 422 } });
    expect(denied.response.status?.message).toContain(
      'the OpenTelemetry Collector mode is set to deployment, which does not support the target allocation deployment',
    );
  });

  it('converts between v1alpha1 and v1beta1 in a ConversionReview', async () => {
    const reply = await client.postJson('/convert', {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'ConversionReview',
      request: { uid: 'c1', desiredAPIVersion: 'opentelemetry.io/v1beta1', objects: [MANIFEST] },
    });
    const body = reply.body as {
      response: { uid: string; result: { status: string }; convertedObjects: Collector[] };
    };
    expect(body.response.uid).toBe('c1');
    expect(body.response.result.status).toBe('Success');
    expect(body.response.convertedObjects[0]?.apiVersion).toBe('opentelemetry.io/v1beta1');
    expect(typeof body.response.convertedObjects[0]?.spec.config).toBe('object');
  });

  it('fails a conversion to an unserved version with a message, not an error page', async () => {
    const reply = await client.postJson('/convert', {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'ConversionReview',
      request: { uid: 'c2', desiredAPIVersion: 'opentelemetry.io/v9', objects: [MANIFEST] },
    });
    expect(reply.body).toMatchObject({
      kind: 'ConversionReview',
      response: { uid: 'c2', convertedObjects: [], result: { status: 'Failure' } },
    });
  });

  it('serves health, readiness and per-endpoint latency metrics', async () => {
    expect((await client.send('GET', '/healthz')).status).toBe(200);
    expect((await client.send('GET', '/readyz')).status).toBe(200);
    const metrics = (await client.send('GET', '/metrics')).text;
    expect(metrics).toMatch(
      /otel_ta_webhook_request_duration_seconds_count\{endpoint="mutate",outcome="patched"\} \d+/,
    );
    expect(metrics).toMatch(
      /otel_ta_webhook_request_duration_seconds_count\{endpoint="validate",outcome="denied"\} \d+/,
    );
  });

  it('speaks TLS 1.2 and refuses older versions', async () => {
    const port = Number(new URL(webhook.url).port);
    const handshake = (maxVersion: 'TLSv1.1' | 'TLSv1.2') =>
      new Promise<string>((resolve) => {
        const socket = connect({
          host: '127.0.0.1',
          port,
          ca: webhook.ca.certPem,
          maxVersion,
          minVersion: 'TLSv1',
          // OpenSSL's default security level would stop TLS 1.1 on this side already; lowering it
          // leaves the refusal to the server, which is what this test is about.
          ciphers: 'DEFAULT:@SECLEVEL=0',
        });
        socket.on('secureConnect', () => {
          const protocol = socket.getProtocol() ?? '';
          socket.destroy();
          resolve(protocol);
        });
        socket.on('error', () => resolve('refused'));
      });
    expect(await handshake('TLSv1.2')).toBe('TLSv1.2');
    expect(await handshake('TLSv1.1')).toBe('refused');
  });
});
