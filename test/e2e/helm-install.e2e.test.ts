/**
 * The chart as a cluster admin installs it, with the real helm (built from helm.sh/helm/v4) on the
 * real kube-apiserver: lint, install, the documentation's collector mutated through the webhook the
 * chart configured, upgrade with changed values, rollback, uninstall leaving only the CRD, and a
 * reinstall that adopts the kept CRD. Then mode=with-upstream-operator: no CRD, and only opted-in
 * collectors reach the webhook.
 *
 * No kubelet runs here, so the installed Deployment's pod runs as local processes from its own
 * args, volumes and ServiceAccount (harness/local-pod.ts); the API server reaches it through the
 * chart's webhook configurations and Service (an EndpointSlice naming this machine), with the
 * certificate the controller issued into the caBundles. A rollout is a restart of that pod.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { kubectlJson, startControlPlane, type ControlPlane } from './harness/control-plane.js';
import { CHART_DIR, helm, type HelmResult } from './harness/helm.js';
import { startLocalPod, type LocalPod } from './harness/local-pod.js';
import { staticScrapeCollectorYaml, UPSTREAM_CRD } from './support/collector-manifest.js';
import { waitFor } from './support/processes.js';

const NAMESPACE = 'otel-ta-system';
const RELEASE = 'otel-ta';
const COLLECTORS = 'observability';
const FIXTURE = fileURLToPath(
  new URL('../fixtures/collectors/collector-with-ta.v1alpha1.yaml', import.meta.url),
);
const DEFAULT_ALLOCATOR_IMAGE = 'ghcr.io/otel-ta/otel-ta:0.1.0';
const UPGRADED_ALLOCATOR_IMAGE = 'registry.example.com/otel-ta/otel-ta:0.1.1';
const CRD = 'opentelemetrycollectors.opentelemetry.io';

interface Collector {
  metadata: { annotations?: Record<string, string> };
  spec: { targetAllocator?: { image?: string; allocationStrategy?: string }; config: unknown };
}
/** The http_sd entries the rewrite wrote into a v1beta1 collector's first scrape job. */
function httpSdOf(collector: Collector): unknown {
  const config = collector.spec.config as {
    receivers: { prometheus: { config: { scrape_configs: { http_sd_configs?: unknown }[] } } };
  };
  return config.receivers.prometheus.config.scrape_configs[0]?.http_sd_configs;
}

interface WebhookConfiguration {
  webhooks: { failurePolicy: string; clientConfig: { caBundle?: string } }[];
}

describe('the Helm chart installed with the real helm on a real API server', () => {
  let cp: ControlPlane;
  let logDir: string;
  let pod: LocalPod | undefined;
  let rollout = 0;

  const run = async (args: string[]): Promise<HelmResult> => helm(args, cp.kubeconfigPath);
  /** What a rollout does: the old pod goes, a new one starts from the Deployment as it is now. */
  const rollOut = async (): Promise<void> => {
    await pod?.stop();
    rollout += 1;
    pod = await startLocalPod(cp, {
      namespace: NAMESPACE,
      deployment: 'otel-ta-webhook',
      service: { name: 'otel-ta-webhook', portName: 'https' },
      awaitSecret: 'otel-ta-webhook-tls',
      logDir,
      podName: `otel-ta-webhook-${rollout}`,
    });
    // The API server learns the new endpoint from its EndpointSlice informer; until then a call
    // may still go to the stopped pod's port. A server-side dry run answered with the webhook's
    // warning came through the new pod (the old one is gone).
    const probe = staticScrapeCollectorYaml({
      name: 'rollout-probe',
      namespace: 'default',
      replicas: 1,
      spec: { targetAllocator: { enabled: true } },
    });
    await waitFor(
      'the API server to call the new webhook pod',
      async () => {
        const r = await cp.kubectl(['apply', '--dry-run=server', '-f', '-'], { input: probe });
        return r.code === 0 && r.stderr.includes('static_configs moved') ? true : undefined;
      },
      { timeoutMs: 30_000 },
    );
  };
  const mutatingConfiguration = (): Promise<WebhookConfiguration> =>
    kubectlJson(cp, ['get', 'mutatingwebhookconfiguration', 'otel-ta-webhook']);
  const applyCollector = async (name: string): Promise<Collector> => {
    const manifest = staticScrapeCollectorYaml({
      name,
      namespace: COLLECTORS,
      replicas: 2,
      spec: { targetAllocator: { enabled: true } },
    });
    const r = await cp.kubectl(['apply', '-f', '-'], { input: manifest });
    expect(r.code).toBe(0);
    // The webhook's own warning, relayed by the API server: it answered.
    expect(r.stderr).toContain('static_configs moved to the target allocator');
    return kubectlJson<Collector>(cp, ['get', 'otelcol', name, '-n', COLLECTORS]);
  };

  beforeAll(async () => {
    cp = await startControlPlane({ routeServicesThroughEndpoints: true });
    logDir = await mkdtemp(join(tmpdir(), 'otel-ta-helm-install-'));
  }, 900_000);

  afterAll(async () => {
    await pod?.stop();
    await cp?.stop();
  });

  it('passes helm lint --strict', async () => {
    const r = await run(['lint', '--strict', CHART_DIR, '--namespace', NAMESPACE]);
    expect(r.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(r.code).toBe(0);
  });

  it('installs, and the collector manifest of the documentation is mutated by the webhook the chart configured', async () => {
    const installed = await run([
      'install',
      RELEASE,
      CHART_DIR,
      '--namespace',
      NAMESPACE,
      '--create-namespace',
    ]);
    expect(installed.stderr).toBe('');
    expect(installed.code).toBe(0);
    expect(installed.stdout).toContain('STATUS: deployed');
    expect(installed.stdout).toContain('IMAGE PLACEHOLDER');
    const namespace = await kubectlJson<{ metadata: { labels: Record<string, string> } }>(cp, [
      'get',
      'namespace',
      NAMESPACE,
    ]);
    expect(namespace.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');

    await rollOut();
    // The controller (as the chart's ServiceAccount, with the chart's RBAC) wrote the caBundles.
    const configuration = await mutatingConfiguration();
    expect(configuration.webhooks[0]?.clientConfig.caBundle).toMatch(/^\S{100,}$/);

    expect((await cp.kubectl(['create', 'namespace', COLLECTORS])).code).toBe(0);
    // v1alpha1, stored as v1beta1: the CRD's conversion webhook and the mutating webhook both run.
    const applied = await cp.kubectl(['apply', '-f', FIXTURE]);
    expect(applied.code).toBe(0);
    expect(applied.stderr).toContain(
      'Warning: scrape job "otel-collector": static_configs moved to the target allocator',
    );
    expect(applied.stdout).toContain(
      'opentelemetrycollector.opentelemetry.io/collector-with-ta created',
    );

    const v1alpha1 = await kubectlJson<Collector>(cp, [
      'get',
      'opentelemetrycollectors.v1alpha1.opentelemetry.io',
      'collector-with-ta',
      '-n',
      COLLECTORS,
    ]);
    expect(v1alpha1.spec.targetAllocator).toMatchObject({
      allocationStrategy: 'consistent-hashing',
      image: DEFAULT_ALLOCATOR_IMAGE,
    });
    const config = parse(v1alpha1.spec.config as string) as {
      receivers: { prometheus: { config: { scrape_configs: Record<string, unknown>[] } } };
    };
    expect(config.receivers.prometheus.config.scrape_configs[0]).toMatchObject({
      job_name: 'otel-collector',
      http_sd_configs: [
        {
          url: 'http://collector-with-ta-targetallocator.observability.svc:80/jobs/otel-collector/targets?collector_id=${env:POD_NAME}',
        },
      ],
    });
    expect(config.receivers.prometheus.config.scrape_configs[0]).not.toHaveProperty(
      'static_configs',
    );
    expect(v1alpha1.metadata.annotations).toHaveProperty('otel-ta.dev/original-scrape-configs');

    // And the controller the chart runs renders the collector's allocator.
    await waitFor(
      'the allocator Deployment of collector-with-ta',
      async () => {
        const r = await cp.kubectl([
          'get',
          'deployment',
          'collector-with-ta-targetallocator',
          '-n',
          COLLECTORS,
        ]);
        return r.code === 0 ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );
  });

  it('upgrades with changed values (allocator image, strategy and refresh interval, failure policy), keeping the caBundles the controller wrote', async () => {
    const before = (await mutatingConfiguration()).webhooks[0]?.clientConfig.caBundle;
    const upgraded = await run([
      'upgrade',
      RELEASE,
      CHART_DIR,
      '--namespace',
      NAMESPACE,
      '--reuse-values',
      '--set',
      `allocator.image=${UPGRADED_ALLOCATOR_IMAGE}`,
      '--set',
      'allocator.allocationStrategy=least-weighted',
      '--set',
      'allocator.collectorRefreshInterval=30s',
      '--set',
      'webhook.failurePolicy=Ignore',
    ]);
    expect(upgraded.stderr).toBe('');
    expect(upgraded.code).toBe(0);
    expect(upgraded.stdout).toContain('REVISION: 2');

    const configuration = await mutatingConfiguration();
    expect(configuration.webhooks[0]?.failurePolicy).toBe('Ignore');
    expect(configuration.webhooks[0]?.clientConfig.caBundle).toBe(before);

    await rollOut();
    const collector = await applyCollector('after-upgrade');
    expect(collector.spec.targetAllocator).toMatchObject({
      image: UPGRADED_ALLOCATOR_IMAGE,
      allocationStrategy: 'least-weighted',
    });
    expect(httpSdOf(collector)).toMatchObject([{ refresh_interval: '30s' }]);
  });

  it('rolls back to the first revision', async () => {
    const before = (await mutatingConfiguration()).webhooks[0]?.clientConfig.caBundle;
    const rolledBack = await run(['rollback', RELEASE, '1', '--namespace', NAMESPACE]);
    expect(rolledBack.stderr).toBe('');
    expect(rolledBack.code).toBe(0);

    const configuration = await mutatingConfiguration();
    expect(configuration.webhooks[0]?.failurePolicy).toBe('Fail');
    expect(configuration.webhooks[0]?.clientConfig.caBundle).toBe(before);
    const history = await run(['history', RELEASE, '--namespace', NAMESPACE, '-o', 'json']);
    const revisions = JSON.parse(history.stdout) as { revision: number; status: string }[];
    expect(revisions.map((r) => [r.revision, r.status])).toEqual([
      [1, 'superseded'],
      [2, 'superseded'],
      [3, 'deployed'],
    ]);

    await rollOut();
    const collector = await applyCollector('after-rollback');
    expect(collector.spec.targetAllocator).toMatchObject({
      image: DEFAULT_ALLOCATOR_IMAGE,
      allocationStrategy: 'consistent-hashing',
    });
    expect(httpSdOf(collector)).toMatchObject([{ refresh_interval: '10s' }]);
  });

  it('uninstalls, leaving only the CRD it documents it keeps', async () => {
    // As the chart's README says: collectors first, while the controller still removes what it made.
    const deleted = await cp.kubectl(['delete', 'otelcol', '--all', '-n', COLLECTORS]);
    expect(deleted.code).toBe(0);
    await waitFor(
      "the allocators' cluster-scoped RBAC to be removed",
      async () => {
        const r = await cp.kubectl([
          'get',
          'clusterrole,clusterrolebinding',
          '-l',
          'app.kubernetes.io/managed-by=otel-ta',
          '-o',
          'name',
        ]);
        return r.code === 0 && r.stdout.trim() === '' ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );

    const uninstalled = await run(['uninstall', RELEASE, '--namespace', NAMESPACE]);
    expect(uninstalled.code).toBe(0);
    expect(uninstalled.stdout).toContain(`release "${RELEASE}" uninstalled`);
    // Kept by its resource policy, which Helm reports.
    expect(`${uninstalled.stdout}${uninstalled.stderr}`).toContain(CRD);
    await pod?.stop();
    pod = undefined;

    // Everything Helm labelled: every kind the API server lists, in every namespace.
    const kinds = await cp.kubectl(['api-resources', '--verbs=list', '-o', 'name']);
    const left = await cp.kubectl([
      'get',
      kinds.stdout.trim().split('\n').join(','),
      '--all-namespaces',
      '-l',
      'app.kubernetes.io/managed-by=Helm',
      '-o',
      'jsonpath={range .items[*]}{.kind}/{.metadata.name}:{.metadata.deletionTimestamp}{"\\n"}{end}',
    ]);
    expect(left.code).toBe(0);
    const remaining = left.stdout
      .trim()
      .split('\n')
      .filter((line) => line !== '')
      .sort();
    // No namespace controller runs here to finish deleting the namespace: it stays Terminating
    // (a deletion timestamp), with nothing of the chart's left in it.
    expect(remaining.map((line) => line.replace(/:.+$/, ':terminating'))).toEqual(
      [`CustomResourceDefinition/${CRD}:`, `Namespace/${NAMESPACE}:terminating`].sort(),
    );
    expect((await run(['list', '--all-namespaces', '-q'])).stdout.trim()).toBe('');
    const crd = await kubectlJson<{ metadata: { annotations: Record<string, string> } }>(cp, [
      'get',
      'crd',
      CRD,
    ]);
    expect(crd.metadata.annotations['helm.sh/resource-policy']).toBe('keep');
    expect(readFileSync(join(CHART_DIR, 'README.md'), 'utf8')).toContain('**Kept on purpose**');
  });

  it('reinstalls over the kept CRD, adopting it into the new release', async () => {
    // Finish the namespace's deletion as the namespace controller would: its content (what the
    // controller created: the certificate Secret, the Lease; our EndpointSlice) goes, then the
    // `kubernetes` finalizer.
    for (const kind of ['secrets', 'leases.coordination.k8s.io', 'endpointslices']) {
      const r = await cp.kubectl(['delete', kind, '--all', '-n', NAMESPACE, '--wait=false']);
      expect(r.stderr).toBe('');
    }
    const namespace = await kubectlJson<{ spec: { finalizers?: string[] } }>(cp, [
      'get',
      'namespace',
      NAMESPACE,
    ]);
    namespace.spec.finalizers = [];
    const finalized = await cp.kubectl(
      ['replace', '--raw', `/api/v1/namespaces/${NAMESPACE}/finalize`, '-f', '-'],
      { input: JSON.stringify(namespace) },
    );
    expect(finalized.code).toBe(0);
    await waitFor(
      `namespace ${NAMESPACE} to be gone`,
      async () =>
        (await cp.kubectl(['get', 'namespace', NAMESPACE])).code !== 0 ? true : undefined,
      { timeoutMs: 30_000 },
    );

    const reinstalled = await run([
      'install',
      RELEASE,
      CHART_DIR,
      '--namespace',
      NAMESPACE,
      '--create-namespace',
    ]);
    expect(reinstalled.code).toBe(0);
    // Adopting the CRD makes helm update rather than create, and it says so for the one object it
    // did not create itself in this release: the namespace --create-namespace made a moment before.
    expect(reinstalled.stderr.trim().split('\n')).toEqual([
      `level=WARN msg="resource exists on cluster but not in original release, using cluster state as baseline" namespace="" name=${NAMESPACE} kind=Namespace`,
    ]);
    const manifest = await run(['get', 'manifest', RELEASE, '--namespace', NAMESPACE]);
    expect(manifest.stdout).toContain(`name: ${CRD}`);
  });
});

describe('the Helm chart with mode=with-upstream-operator on a real API server', () => {
  let cp: ControlPlane;
  let pod: LocalPod | undefined;
  const optedIn = (name: string, annotations: Record<string, string>): string =>
    staticScrapeCollectorYaml({
      name,
      namespace: COLLECTORS,
      replicas: 2,
      annotations,
      spec: { targetAllocator: { enabled: true } },
    });

  beforeAll(async () => {
    cp = await startControlPlane({ routeServicesThroughEndpoints: true });
  }, 900_000);

  afterAll(async () => {
    await pod?.stop();
    await cp?.stop();
  });

  it('installs no CRD and sends only collectors annotated otel-ta.dev/enable to the webhook', async () => {
    const crd = await cp.kubectl(['apply', '-f', '-'], { input: JSON.stringify(UPSTREAM_CRD) });
    expect(crd.code).toBe(0);
    const installed = await helm(
      [
        'install',
        RELEASE,
        CHART_DIR,
        '--namespace',
        NAMESPACE,
        '--create-namespace',
        '--set',
        'mode=with-upstream-operator',
      ],
      cp.kubeconfigPath,
    );
    expect(installed.stderr).toBe('');
    expect(installed.code).toBe(0);
    const manifest = await helm(['get', 'manifest', RELEASE, '-n', NAMESPACE], cp.kubeconfigPath);
    expect(manifest.stdout).not.toContain('kind: CustomResourceDefinition');

    pod = await startLocalPod(cp, {
      namespace: NAMESPACE,
      deployment: 'otel-ta-webhook',
      service: { name: 'otel-ta-webhook', portName: 'https' },
      awaitSecret: 'otel-ta-webhook-tls',
      logDir: await mkdtemp(join(tmpdir(), 'otel-ta-helm-upstream-')),
      podName: 'otel-ta-webhook-upstream',
    });
    expect((await cp.kubectl(['create', 'namespace', COLLECTORS])).code).toBe(0);

    const enabled = optedIn('opted-in', { 'otel-ta.dev/enable': 'true' });
    await waitFor(
      'the API server to call the webhook for an opted-in collector',
      async () => {
        const r = await cp.kubectl(['apply', '-f', '-'], { input: enabled });
        return r.code === 0 && r.stderr.includes('static_configs moved') ? true : undefined;
      },
      { timeoutMs: 30_000 },
    );
    const notOptedIn = await cp.kubectl(['apply', '-f', '-'], {
      input: optedIn('not-opted-in', {}),
    });
    expect(notOptedIn.stderr).toBe('');
    expect(notOptedIn.code).toBe(0);

    const targetAllocatorOf = async (name: string): Promise<unknown> => {
      const r = await cp.kubectl(['get', CRD, name, '-n', COLLECTORS, '-o', 'json']);
      return (JSON.parse(r.stdout) as Collector).spec.targetAllocator;
    };
    expect(await targetAllocatorOf('opted-in')).toMatchObject({
      allocationStrategy: 'consistent-hashing',
      image: DEFAULT_ALLOCATOR_IMAGE,
    });
    // Untouched: the API server never called the webhook (the chart's CEL matchCondition).
    expect(await targetAllocatorOf('not-opted-in')).toEqual({ enabled: true });
  });
});
