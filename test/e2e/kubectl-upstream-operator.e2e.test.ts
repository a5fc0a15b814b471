import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Annotations } from '../../src/collector/annotations.js';
import { startLocalCluster, type LocalCluster } from './harness/cluster.js';
import {
  createNamespace,
  getCollector,
  kubectlOk,
  scrapeConfigsOf,
} from './harness/cluster-kubectl.js';
import { staticScrapeCollectorYaml, UPSTREAM_CRD } from './support/collector-manifest.js';

const NS = 'upstream';

/** The scenarios' base collector (2 replicas); `spec` overrides its fields. */
function collector(
  name: string,
  annotations: Record<string, string>,
  spec: Record<string, unknown>,
): string {
  return staticScrapeCollectorYaml({ name, namespace: NS, replicas: 2, annotations, spec });
}

describe('the with-upstream-operator overlay: only opted-in collectors reach the webhook', () => {
  let cluster: LocalCluster | undefined;
  const local = (): LocalCluster => {
    if (!cluster) throw new Error('local cluster did not start');
    return cluster;
  };

  beforeAll(async () => {
    cluster = await startLocalCluster({ overlay: 'with-upstream-operator', controller: false });
    await kubectlOk(cluster, ['apply', '-f', '-'], JSON.stringify(UPSTREAM_CRD));
    await kubectlOk(cluster, [
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      'crd/opentelemetrycollectors.opentelemetry.io',
    ]);
    await createNamespace(cluster, NS);
  }, 900_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it('a collector without the annotation is stored exactly as written, allocator or not', async () => {
    // The upstream operator handles (and validates) these itself; even an invalid combination
    // for otel-ta's rules is none of its business.
    await kubectlOk(
      local(),
      ['apply', '-f', '-'],
      collector('operator-owned', {}, { mode: 'deployment', targetAllocator: { enabled: true } }),
    );
    const stored = await getCollector(local(), 'v1beta1', NS, 'operator-owned');
    expect(stored.spec.targetAllocator).toEqual({ enabled: true });
    expect(scrapeConfigsOf(stored)[0]?.static_configs).toEqual([{ targets: ['app:8080'] }]);
    expect(stored.metadata.annotations?.[Annotations.originalScrapeConfigs]).toBeUndefined();
  });

  it('a collector annotated otel-ta.dev/enable: "true" is rewritten and validated by otel-ta', async () => {
    await kubectlOk(
      local(),
      ['apply', '-f', '-'],
      collector('opted-in', { [Annotations.enable]: 'true' }, {}),
    );
    const stored = await getCollector(local(), 'v1beta1', NS, 'opted-in');
    expect(scrapeConfigsOf(stored)[0]?.http_sd_configs).toEqual([
      {
        url: `http://opted-in-targetallocator.${NS}.svc:80/jobs/app/targets?collector_id=\${env:POD_NAME}`,
        refresh_interval: '10s',
      },
    ]);

    const invalid = await local().kubectl(['apply', '-f', '-'], {
      input: collector(
        'opted-in-invalid',
        { [Annotations.enable]: 'true' },
        { mode: 'deployment' },
      ),
    });
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('denied the request');
    expect(invalid.stderr).toContain(
      'the OpenTelemetry Collector mode is set to deployment, which does not support the target allocation deployment',
    );
  });
});
