import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsonPatch, { type Operation } from 'fast-json-patch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalWebhook, type LocalWebhook } from '../../src/webhook/local-webhook.js';
import { ReviewClient, admissionReviewRequest } from '../../src/webhook/review-client.js';

/**
 * Collectors as platform teams write them, through the webhook over TLS (mutate, then validate
 * the patched object, as the API server does), under a cluster policy: the defects found in the
 * review of 2026-11-26 stay fixed end to end.
 */

const POLICY = `
rules:
- name: auto
  match: {namespaces: [auto]}
  outOfOrder: mutate
- name: strict
  outOfOrder: enforce
`;

interface Response {
  uid: string;
  allowed: boolean;
  patch?: string;
  warnings?: string[];
  status?: { code: number; message: string };
}

function collector(
  namespace: string,
  spec: Record<string, unknown>,
  annotations: Record<string, string> = {},
): Record<string, unknown> {
  return {
    apiVersion: 'opentelemetry.io/v1beta1',
    kind: 'OpenTelemetryCollector',
    metadata: { name: 'pool', namespace, annotations },
    spec: { mode: 'statefulset', replicas: 3, ...spec },
  };
}

function receivers(names: readonly string[]): Record<string, unknown> {
  const jobs = (name: string): unknown => ({
    config: {
      scrape_configs: [{ job_name: `${name}-job`, static_configs: [{ targets: ['app:8080'] }] }],
    },
  });
  return {
    receivers: Object.fromEntries(names.map((name) => [name, jobs(name)])),
    exporters: { debug: {} },
    service: { pipelines: { metrics: { receivers: [...names], exporters: ['debug'] } } },
  };
}

describe('admission webhook: collectors as users write them', () => {
  let directory: string;
  let webhook: LocalWebhook;
  let client: ReviewClient;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'otel-ta-review-'));
    await writeFile(join(directory, 'policy.yaml'), POLICY);
    webhook = await startLocalWebhook({ policyFile: join(directory, 'policy.yaml') });
    client = new ReviewClient({ baseUrl: webhook.url, ca: webhook.ca.certPem });
  });

  afterAll(async () => {
    client.close();
    await webhook.stop();
    await rm(directory, { recursive: true, force: true });
  });

  async function review(path: string, object: unknown, uid: string): Promise<Response> {
    const reply = await client.postJson(path, admissionReviewRequest(object, { uid }));
    return (reply.body as { response: Response }).response;
  }

  /** What the API server does: /mutate, apply the patch, then /validate the result. */
  async function admit(object: Record<string, unknown>): Promise<{
    mutated: Response;
    validated: Response;
  }> {
    const mutated = await review('/mutate', object, 'm');
    const patch =
      mutated.patch === undefined
        ? []
        : (JSON.parse(Buffer.from(mutated.patch, 'base64').toString('utf8')) as Operation[]);
    const patched = jsonPatch.applyPatch(structuredClone(object), patch).newDocument;
    return { mutated, validated: await review('/validate', patched, 'v') };
  }

  it('enforce denies a pool whose opt-in annotation is overridden by enabled: false', async () => {
    const { mutated, validated } = await admit(
      collector(
        'prod',
        { targetAllocator: { enabled: false }, config: receivers(['prometheus']) },
        { 'otel-ta.dev/enable': 'true' },
      ),
    );
    expect(mutated.allowed).toBe(true);
    expect(validated.allowed).toBe(false);
    expect(validated.status?.code).toBe(403);
    expect(validated.status?.message).toContain('every replica scrapes every target');
  });

  it('warns that a prometheus/<name> receiver beside the rewritten one is not sharded', async () => {
    const { validated } = await admit(
      collector('prod', {
        targetAllocator: { enabled: true },
        config: receivers(['prometheus', 'prometheus/databases']),
      }),
    );
    expect(validated.allowed).toBe(true);
    expect(validated.warnings).toContainEqual(
      expect.stringContaining(
        'receivers.prometheus/databases is not sharded by the target allocator',
      ),
    );
  });

  it('policy mutate leaves a collector whose only receiver is prometheus/<name> admissible, with a warning saying to rename it', async () => {
    const { mutated, validated } = await admit(
      collector('auto', { config: receivers(['prometheus/apps']) }),
    );
    expect(mutated.allowed).toBe(true);
    expect(mutated.patch).toBeUndefined();
    expect(validated.allowed).toBe(true);
    expect(validated.warnings).toContainEqual(
      expect.stringContaining('rename receivers.prometheus/apps to prometheus'),
    );
  });

  it('tells a user with the allocator on and only prometheus/<name> to rename it', async () => {
    const { validated } = await admit(
      collector('auto', {
        targetAllocator: { enabled: true },
        config: receivers(['prometheus/apps']),
      }),
    );
    expect(validated.allowed).toBe(false);
    expect(validated.status?.message).toContain(
      'no prometheus available as part of the configuration. Fix: the target allocator serves only the receiver named "prometheus": rename receivers.prometheus/apps to prometheus',
    );
  });

  it('answers a config nested deeper than it can walk with a 400 denial, not a 500', async () => {
    const object = collector('prod', {
      targetAllocator: { enabled: true },
      config: receivers(['prometheus']),
    });
    // The API server's decoder admits 10000 levels; JSON.stringify recurses, so the nested value
    // is spliced into the body as text.
    const body = JSON.stringify(admissionReviewRequest(object, { uid: 'deep' })).replace(
      '"debug":{}',
      `"debug":{"nested":${'['.repeat(9000)}${']'.repeat(9000)}}`,
    );
    const reply = await client.send('POST', '/mutate', body, {
      'content-type': 'application/json',
    });
    const response = (JSON.parse(reply.text) as { response: Response }).response;
    expect(response.allowed).toBe(false);
    expect(response.status?.code).toBe(400);
    expect(response.status?.message).toContain('flatten the deeply nested value in spec.config');
  });
});
