import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Annotations } from '../../src/collector/annotations.js';
import { startLocalCluster, type LocalCluster } from './harness/cluster.js';
import {
  createNamespace,
  documentedManifest,
  getCollector,
  kubectlOk,
  scrapeConfigsOf,
  type StoredCollector,
} from './harness/cluster-kubectl.js';

const NAME = 'collector-with-ta';
const allocatorUrl = (namespace: string, job: string): string =>
  `http://${NAME}-targetallocator.${namespace}.svc:80/jobs/${job}/targets?collector_id=\${env:POD_NAME}`;

/** The one http_sd rewrite of a job, and nothing left of its own discovery. */
function expectRewrittenOnce(collector: StoredCollector, namespace: string, job: string): void {
  const jobs = scrapeConfigsOf(collector);
  expect(jobs.map((j) => j.job_name)).toEqual([job]);
  expect(jobs[0]?.static_configs).toBeUndefined();
  expect(jobs[0]?.http_sd_configs).toEqual([
    { url: allocatorUrl(namespace, job), refresh_interval: '10s' },
  ]);
}

function stashOf(collector: StoredCollector): unknown {
  const text = collector.metadata.annotations?.[Annotations.originalScrapeConfigs];
  if (text === undefined) throw new Error('no stash annotation');
  return JSON.parse(text) as unknown;
}

describe('kubectl apply of the documented collector, as users run it', () => {
  let cluster: LocalCluster | undefined;
  const local = (): LocalCluster => {
    if (!cluster) throw new Error('local cluster did not start');
    return cluster;
  };

  beforeAll(async () => {
    const started = Date.now();
    cluster = await startLocalCluster();
    console.info(`local cluster ready in ${Date.now() - started} ms`);
  }, 900_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it('stores the v1alpha1 manifest with the defaults and the http_sd rewrite, and serves it as v1beta1 with an object config', async () => {
    const ns = 'docs-v1alpha1';
    await createNamespace(local(), ns);
    const applied = await kubectlOk(
      local(),
      ['apply', '-f', '-'],
      documentedManifest('v1alpha1', ns),
    );
    expect(applied.stdout).toBe(`opentelemetrycollector.opentelemetry.io/${NAME} created\n`);
    expect(applied.stderr).toContain('Warning: scrape job "otel-collector"');

    const alpha = await getCollector(local(), 'v1alpha1', ns, NAME);
    expect(typeof alpha.spec.config).toBe('string');
    expect(alpha.spec.targetAllocator).toEqual({
      enabled: true,
      replicas: 1,
      allocationStrategy: 'consistent-hashing',
      filterStrategy: 'relabel-config',
      image: 'ghcr.io/otel-ta/otel-ta:0.1.0',
    });
    expect(alpha.spec.env).toEqual([
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ]);
    expectRewrittenOnce(alpha, ns, 'otel-collector');
    // The collector's own $$ escaping is kept as written.
    expect(scrapeConfigsOf(alpha)[0]?.metric_relabel_configs).toEqual([
      { action: 'labeldrop', regex: '(id|name)', replacement: '$$1' },
    ]);
    expect(stashOf(alpha)).toEqual([
      {
        job_name: 'otel-collector',
        scrape_interval: '10s',
        static_configs: [{ targets: ['0.0.0.0:8888'] }],
        metric_relabel_configs: [{ action: 'labeldrop', regex: '(id|name)', replacement: '$$1' }],
      },
    ]);
    expect(alpha.metadata.annotations?.[Annotations.originalScrapeConfigsHash]).toMatch(
      /^[0-9a-f]{64}$/,
    );

    const beta = await getCollector(local(), 'v1beta1', ns, NAME);
    expect(beta.apiVersion).toBe('opentelemetry.io/v1beta1');
    expect(typeof beta.spec.config).toBe('object');
    expectRewrittenOnce(beta, ns, 'otel-collector');
    expect(beta.spec.targetAllocator).toEqual(alpha.spec.targetAllocator);
  });

  it('re-applying the same v1alpha1 file leaves the stored collector as it was', async () => {
    const ns = 'docs-v1alpha1';
    const before = await getCollector(local(), 'v1beta1', ns, NAME);
    await kubectlOk(local(), ['apply', '-f', '-'], documentedManifest('v1alpha1', ns));
    const after = await getCollector(local(), 'v1beta1', ns, NAME);
    expect(after.spec).toEqual(before.spec);
    expect(after.metadata.annotations).toEqual(before.metadata.annotations);
  });

  // kubectl compares the v1alpha1 config *string*: this holds only if reading the stored (v1beta1)
  // object back as v1alpha1 returns the text that was applied, not a re-serialisation of it.
  it('re-applying the same v1alpha1 file is a no-op: same resourceVersion, kubectl diff exits 0', async () => {
    const ns = 'docs-v1alpha1';
    const manifest = documentedManifest('v1alpha1', ns);
    await kubectlOk(local(), ['apply', '-f', '-'], manifest);
    const before = await getCollector(local(), 'v1alpha1', ns, NAME);
    await kubectlOk(local(), ['apply', '-f', '-'], manifest);
    const after = await getCollector(local(), 'v1alpha1', ns, NAME);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    const diff = await local().kubectl(['diff', '-f', '-'], { input: manifest });
    expect(diff.stdout).toBe('');
    expect(diff.code).toBe(0);
  });

  it('kubectl apply --server-side stores the same rewrite and a second one changes nothing', async () => {
    const ns = 'docs-server-side';
    await createNamespace(local(), ns);
    const manifest = documentedManifest('v1alpha1', ns);
    await kubectlOk(local(), ['apply', '--server-side', '-f', '-'], manifest);
    const first = await getCollector(local(), 'v1alpha1', ns, NAME);
    expectRewrittenOnce(first, ns, 'otel-collector');
    expect(first.spec.targetAllocator?.['replicas']).toBe(1);

    await kubectlOk(local(), ['apply', '--server-side', '-f', '-'], manifest);
    const second = await getCollector(local(), 'v1alpha1', ns, NAME);
    expect(second.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
  });

  it('kubectl apply --dry-run=server returns the mutated object and stores nothing', async () => {
    const ns = 'docs-dry-run';
    await createNamespace(local(), ns);
    const r = await kubectlOk(
      local(),
      ['apply', '--dry-run=server', '-o', 'json', '-f', '-'],
      documentedManifest('v1alpha1', ns),
    );
    const returned = JSON.parse(r.stdout) as StoredCollector;
    expectRewrittenOnce(returned, ns, 'otel-collector');
    expect(returned.spec.targetAllocator?.['allocationStrategy']).toBe('consistent-hashing');
    expect(stashOf(returned)).toHaveLength(1);

    const get = await local().kubectl(['get', 'opentelemetrycollectors', NAME, '-n', ns]);
    expect(get.code).not.toBe(0);
    expect(get.stderr).toContain('NotFound');
  });

  it('kubectl patch and an edit-style replace of the fetched object keep it rewritten exactly once', async () => {
    const ns = 'docs-edit';
    await createNamespace(local(), ns);
    await kubectlOk(local(), ['apply', '-f', '-'], documentedManifest('v1alpha1', ns));
    const original = await getCollector(local(), 'v1alpha1', ns, NAME);

    await kubectlOk(local(), [
      'patch',
      'opentelemetrycollector',
      NAME,
      '-n',
      ns,
      '--type=merge',
      '-p',
      '{"spec":{"replicas":4}}',
    ]);
    const patched = await getCollector(local(), 'v1alpha1', ns, NAME);
    expect(patched.spec.replicas).toBe(4);
    expectRewrittenOnce(patched, ns, 'otel-collector');
    expect(stashOf(patched)).toEqual(stashOf(original));

    // What `kubectl edit` does: fetch, change, send the whole object back.
    for (const version of ['v1alpha1', 'v1beta1'] as const) {
      const fetched = await getCollector(local(), version, ns, NAME);
      fetched.metadata.labels = { ...fetched.metadata.labels, edited: version };
      await kubectlOk(local(), ['replace', '-f', '-'], JSON.stringify(fetched));
      const replaced = await getCollector(local(), 'v1alpha1', ns, NAME);
      expect(replaced.metadata.labels?.['edited']).toBe(version);
      expectRewrittenOnce(replaced, ns, 'otel-collector');
      expect(stashOf(replaced)).toEqual(stashOf(original));
      expect(replaced.spec.env?.filter((e) => e.name === 'POD_NAME')).toHaveLength(1);
    }
  });

  it('changing a scrape job in the manifest and re-applying updates the rewrite, the stash and the allocator config', async () => {
    const ns = 'docs-change';
    await createNamespace(local(), ns);
    const manifest = documentedManifest('v1alpha1', ns);
    await kubectlOk(local(), ['apply', '-f', '-'], manifest);
    const before = await getCollector(local(), 'v1alpha1', ns, NAME);

    const changed = manifest
      .replace("job_name: 'otel-collector'", "job_name: 'node-exporter'")
      .replace("targets: [ '0.0.0.0:8888' ]", "targets: [ '10.0.0.7:9100', '10.0.0.8:9100' ]");
    expect(changed).not.toBe(manifest);
    await kubectlOk(local(), ['apply', '-f', '-'], changed);
    const after = await getCollector(local(), 'v1alpha1', ns, NAME);
    expectRewrittenOnce(after, ns, 'node-exporter');
    expect(stashOf(after)).toEqual([
      expect.objectContaining({
        job_name: 'node-exporter',
        static_configs: [{ targets: ['10.0.0.7:9100', '10.0.0.8:9100'] }],
      }),
    ]);
    expect(after.metadata.annotations?.[Annotations.originalScrapeConfigsHash]).not.toBe(
      before.metadata.annotations?.[Annotations.originalScrapeConfigsHash],
    );

    // The controller follows: the allocator's config now lists the new job and its targets.
    const deadline = Date.now() + 60_000;
    let config = '';
    while (Date.now() < deadline) {
      const r = await local().kubectl([
        'get',
        'configmap',
        `${NAME}-targetallocator`,
        '-n',
        ns,
        '-o',
        'jsonpath={.data.targetallocator\\.yaml}',
      ]);
      config = r.stdout;
      if (config.includes('node-exporter')) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(config).toContain('node-exporter');
    expect(config).toContain('10.0.0.8:9100');
    expect(config).not.toContain('otel-collector');
  });

  it('a v1beta1 manifest with an object config goes through the same path and re-applies cleanly', async () => {
    const ns = 'docs-v1beta1';
    await createNamespace(local(), ns);
    const manifest = documentedManifest('v1beta1', ns);
    await kubectlOk(local(), ['apply', '-f', '-'], manifest);
    const beta = await getCollector(local(), 'v1beta1', ns, NAME);
    expectRewrittenOnce(beta, ns, 'otel-collector');
    expect(beta.spec.targetAllocator?.['allocationStrategy']).toBe('consistent-hashing');
    const alpha = await getCollector(local(), 'v1alpha1', ns, NAME);
    expect(typeof alpha.spec.config).toBe('string');
    expectRewrittenOnce(alpha, ns, 'otel-collector');

    await kubectlOk(local(), ['apply', '-f', '-'], manifest);
    const again = await getCollector(local(), 'v1beta1', ns, NAME);
    expect(again.metadata.resourceVersion).toBe(beta.metadata.resourceVersion);
    const diff = await local().kubectl(['diff', '-f', '-'], { input: manifest });
    expect(diff.stdout).toBe('');
    expect(diff.code).toBe(0);
  });
});
