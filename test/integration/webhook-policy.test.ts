import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsonPatch, { type Operation } from 'fast-json-patch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalWebhook, type LocalWebhook } from '../../src/webhook/local-webhook.js';
import { ReviewClient, admissionReviewRequest } from '../../src/webhook/review-client.js';

const POLICY = `
exemptNamespaces: [kube-system]
rules:
- name: auto
  match: {namespaces: [auto]}
  outOfOrder: mutate
- name: strict
  match: {namespaceRegex: "prod-.*"}
  outOfOrder: enforce
  allowedStrategies: [consistent-hashing, per-node]
  allowedImagePrefixes: [registry.example.com/]
- name: everyone-else
  outOfOrder: warn
`;

/** Three replicas, a prometheus receiver, no allocator: every replica would scrape every target. */
function riskyCollector(namespace: string, targetAllocator?: Record<string, unknown>) {
  return {
    apiVersion: 'opentelemetry.io/v1alpha1',
    kind: 'OpenTelemetryCollector',
    metadata: { name: 'pool', namespace },
    spec: {
      mode: 'statefulset',
      replicas: 3,
      ...(targetAllocator === undefined ? {} : { targetAllocator }),
      config:
        'receivers:\n  prometheus:\n    config:\n      scrape_configs:\n      - job_name: app\n        static_configs:\n        - targets: [app:8080]\n',
    },
  };
}

interface Review {
  response: {
    uid: string;
    allowed: boolean;
    patch?: string;
    warnings?: string[];
    status?: { code: number; message: string };
  };
}

describe('admission webhook with an admin policy', () => {
  let directory: string;
  let webhook: LocalWebhook;
  let client: ReviewClient;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'otel-ta-policy-'));
    await writeFile(join(directory, 'policy.yaml'), POLICY);
    webhook = await startLocalWebhook({
      policyFile: join(directory, 'policy.yaml'),
      allocatorImage: 'registry.example.com/otel-ta:1',
    });
    client = new ReviewClient({ baseUrl: webhook.url, ca: webhook.ca.certPem });
  });

  afterAll(async () => {
    client.close();
    await webhook.stop();
    await rm(directory, { recursive: true, force: true });
  });

  async function review(
    path: string,
    object: unknown,
    options: { dryRun?: boolean } = {},
  ): Promise<Review['response']> {
    const reply = await client.postJson(
      path,
      admissionReviewRequest(object, { uid: 'u', ...options }),
    );
    return (reply.body as Review).response;
  }

  it('mode mutate: enables the allocator, says so, and the result passes validation', async () => {
    const object = riskyCollector('auto');
    const mutation = await review('/mutate', object);
    expect(mutation.allowed).toBe(true);
    expect(mutation.warnings?.[0]).toContain(
      'otel-ta enabled the target allocator on OpenTelemetryCollector auto/pool',
    );
    const patch = JSON.parse(Buffer.from(mutation.patch!, 'base64').toString()) as Operation[];
    const original: unknown = structuredClone(object);
    const mutated = jsonPatch.applyPatch(original, patch, true, false).newDocument as {
      spec: { targetAllocator: { enabled: boolean }; config: string };
    };
    expect(mutated.spec.targetAllocator.enabled).toBe(true);
    expect(mutated.spec.config).toContain('http_sd_configs');
    expect((await review('/validate', mutated)).allowed).toBe(true);
  });

  it('mode enforce: denies with the consequence and the fix, dry-run included', async () => {
    for (const dryRun of [false, true]) {
      const validation = await review('/validate', riskyCollector('prod-eu'), { dryRun });
      expect(validation).toMatchObject({ allowed: false, status: { code: 403 } });
      expect(validation.status?.message).toContain('every replica scrapes every target');
      expect(validation.status?.message).toContain('out-of-order');
      expect(validation.status?.message).toContain('Fix: set spec.targetAllocator.enabled: true');
      expect(validation.status?.message).toContain('[otel-ta policy rule "strict"]');
    }
    expect((await review('/mutate', riskyCollector('prod-eu'))).patch).toBeUndefined();
  });

  it('mode enforce: allows the same collector once the allocator is on, within the constraints', async () => {
    const fixed = riskyCollector('prod-eu', { enabled: true });
    const mutation = await review('/mutate', fixed);
    const patch = JSON.parse(Buffer.from(mutation.patch!, 'base64').toString()) as Operation[];
    const mutated = jsonPatch.applyPatch(structuredClone(fixed), patch, true, false).newDocument;
    expect(await review('/validate', mutated)).toMatchObject({ allowed: true });
    const foreignImage = riskyCollector('prod-eu', {
      enabled: true,
      image: 'docker.io/someone/allocator:1',
    });
    const denied = await review('/validate', foreignImage);
    expect(denied).toMatchObject({ allowed: false, status: { code: 403 } });
    expect(denied.status?.message).toContain('use an image starting with registry.example.com/');
  });

  it('mode warn: allows with the explanation as a warning', async () => {
    const validation = await review('/validate', riskyCollector('team-a'));
    expect(validation.allowed).toBe(true);
    expect(validation.warnings?.[0]).toContain('team-a/pool runs 3 replicas');
  });

  it('leaves exempt namespaces alone', async () => {
    expect(await review('/validate', riskyCollector('kube-system'))).toEqual({
      uid: 'u',
      allowed: true,
    });
    expect(await review('/mutate', riskyCollector('kube-system'))).toEqual({
      uid: 'u',
      allowed: true,
    });
  });

  it('exposes the policy in effect as metrics', async () => {
    const metrics = (await client.send('GET', '/metrics')).text;
    expect(metrics).toContain('otel_ta_policy_rules 3');
    expect(metrics).toMatch(/otel_ta_policy_reloads_total\{result="success"\} 1/);
  });
});
