import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCluster, type LocalCluster } from './harness/cluster.js';
import {
  createNamespace,
  getCollector,
  kubectlOk,
  scrapeConfigsOf,
} from './harness/cluster-kubectl.js';
import { staticScrapeCollectorYaml } from './support/collector-manifest.js';

const NS = 'admission';

/** The scenarios' base collector (3 replicas); `spec` overrides its fields. */
function collector(
  name: string,
  spec: Record<string, unknown> = {},
  annotations: Record<string, string> = {},
): string {
  return staticScrapeCollectorYaml({ name, namespace: NS, replicas: 3, annotations, spec });
}

/** The certificate the webhook serves right now (SHA-256 fingerprint). */
function servedFingerprint(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host: hostname, port: Number(port), rejectUnauthorized: false },
      () => {
        const raw = socket.getPeerCertificate().raw;
        socket.end();
        resolve(new X509Certificate(raw).fingerprint256);
      },
    );
    socket.on('error', reject);
  });
}

describe('admission through kubectl: policy, upstream rules, webhook outage, certificate rotation', () => {
  let cluster: LocalCluster | undefined;
  const local = (): LocalCluster => {
    if (!cluster) throw new Error('local cluster did not start');
    return cluster;
  };
  const apply = (manifest: string): ReturnType<LocalCluster['kubectl']> =>
    local().kubectl(['apply', '-f', '-'], { input: manifest });

  beforeAll(async () => {
    const started = Date.now();
    // The controller plays no part in admission; these scenarios run without it.
    cluster = await startLocalCluster({ controller: false, policy: 'rules: []\n' });
    await createNamespace(cluster, NS);
    console.info(`local cluster ready in ${Date.now() - started} ms`);
  }, 900_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  describe('the out-of-order policy for a 3-replica statefulset with a prometheus receiver and no allocator', () => {
    it('enforce: kubectl prints the denial with the consequence and the fix, nothing is stored', async () => {
      await local().setPolicy('rules: [{name: strict, outOfOrder: enforce}]\n');
      const r = await apply(collector('enforced'));
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('denied the request');
      expect(r.stderr).toContain(`OpenTelemetryCollector ${NS}/enforced runs 3 replicas`);
      expect(r.stderr).toContain('out-of-order samples');
      expect(r.stderr).toContain('Fix: set spec.targetAllocator.enabled: true');
      expect(r.stderr).toContain('otel-ta policy rule "strict"');
      const get = await local().kubectl(['get', 'opentelemetrycollector', 'enforced', '-n', NS]);
      expect(get.stderr).toContain('NotFound');
    });

    it('warn: the collector is stored as written and kubectl prints a Warning: line', async () => {
      await local().setPolicy('rules: [{name: lenient, outOfOrder: warn}]\n');
      const r = await apply(collector('warned'));
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/^Warning: .*out-of-order samples/m);
      const stored = await getCollector(local(), 'v1beta1', NS, 'warned');
      expect(stored.spec.targetAllocator).toBeUndefined();
      expect(scrapeConfigsOf(stored)[0]?.static_configs).toEqual([{ targets: ['app:8080'] }]);
    });

    it('mutate: the allocator is turned on and the receiver rewritten', async () => {
      await local().setPolicy('rules: [{name: fix-it, outOfOrder: mutate}]\n');
      const r = await apply(collector('mutated'));
      expect(r.code).toBe(0);
      const stored = await getCollector(local(), 'v1beta1', NS, 'mutated');
      expect(stored.spec.targetAllocator?.['enabled']).toBe(true);
      expect(scrapeConfigsOf(stored)[0]?.http_sd_configs).toEqual([
        {
          url: `http://mutated-targetallocator.${NS}.svc:80/jobs/app/targets?collector_id=\${env:POD_NAME}`,
          refresh_interval: '10s',
        },
      ]);
      await local().setPolicy('rules: []\n');
    });
  });

  it.each([
    [
      'mode deployment with the allocator',
      { mode: 'deployment', targetAllocator: { enabled: true } },
      'the OpenTelemetry Collector mode is set to deployment, which does not support the target allocation deployment',
    ],
    [
      'a daemonset with consistent-hashing',
      {
        mode: 'daemonset',
        targetAllocator: { enabled: true, allocationStrategy: 'consistent-hashing' },
      },
      'the OpenTelemetry Collector mode is set to daemonset, which must be used with target allocation strategy per-node',
    ],
    [
      'per-node on a statefulset',
      { targetAllocator: { enabled: true, allocationStrategy: 'per-node' } },
      'target allocation strategy per-node is only supported in OpenTelemetry Collector mode daemonset',
    ],
    [
      'the allocator without a prometheus receiver',
      {
        targetAllocator: { enabled: true },
        config: {
          receivers: { otlp: { protocols: { grpc: {} } } },
          exporters: { debug: {} },
          service: { pipelines: { metrics: { receivers: ['otlp'], exporters: ['debug'] } } },
        },
      },
      'the OpenTelemetry Spec Prometheus configuration is incorrect, no prometheus available as part of the configuration',
    ],
  ])('the upstream rules deny %s with their message', async (_case, spec, message) => {
    const r = await apply(collector('invalid', spec));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('denied the request');
    expect(r.stderr).toContain(message);
  });

  it('with the webhook stopped applies fail (failurePolicy Fail) and store nothing; with it back they succeed', async () => {
    await local().stopWebhook();
    try {
      const r = await apply(collector('during-outage', { targetAllocator: { enabled: true } }));
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('failed calling webhook');
      expect(r.stderr).toContain('connection refused');
      const get = await local().kubectl([
        'get',
        'opentelemetrycollectors.v1beta1.opentelemetry.io',
        'during-outage',
        '-n',
        NS,
      ]);
      expect(get.stderr).toContain('NotFound');
    } finally {
      await local().startWebhook();
    }
    const r = await apply(collector('during-outage', { targetAllocator: { enabled: true } }));
    expect(r.stderr).not.toContain('failed calling webhook');
    expect(r.code).toBe(0);
    const stored = await getCollector(local(), 'v1beta1', NS, 'during-outage');
    expect(scrapeConfigsOf(stored)[0]?.http_sd_configs).toHaveLength(1);
  });

  it('rotating the serving certificate while kubectl apply runs in a loop fails no request', async () => {
    const before = await servedFingerprint(local().webhookUrl);
    let rotating = true;
    const failures: string[] = [];
    let applies = 0;
    const loop = (async (): Promise<void> => {
      // Each apply changes an annotation, so each one is a real UPDATE through both webhooks.
      while (rotating || applies < 5) {
        const r = await apply(
          collector(
            'rotation',
            { targetAllocator: { enabled: true } },
            { 'e2e/iteration': String(applies) },
          ),
        );
        applies += 1;
        if (r.code !== 0) failures.push(r.stderr);
      }
    })();
    try {
      await local().rotateServingCertificate();
      const middle = await servedFingerprint(local().webhookUrl);
      await local().rotateServingCertificate();
      const after = await servedFingerprint(local().webhookUrl);
      expect(new Set([before, middle, after]).size).toBe(3);
    } finally {
      rotating = false;
      await loop;
    }
    expect(failures).toEqual([]);
    expect(applies).toBeGreaterThanOrEqual(5);
    const stored = await getCollector(local(), 'v1beta1', NS, 'rotation');
    expect(stored.metadata.annotations?.['e2e/iteration']).toBe(String(applies - 1));
    await kubectlOk(local(), ['delete', 'opentelemetrycollector', 'rotation', '-n', NS]);
  });
});
