/**
 * Prometheus CR discovery on a real API server: prometheus-operator's own CRDs
 * (test/e2e/support/prometheus-operator-crds.ts), a Service with an EndpointSlice, pods, a Secret and monitors; the real
 * `otel-ta allocator` command with prometheus_cr enabled serves their jobs, follows an edit and
 * drops a deleted monitor's job. No kubelet runs here: the test writes pod status itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyJson, eventually, kubectlOk } from './controller-kube.js';
import { startControlPlane, type ControlPlane } from './harness/control-plane.js';
import { startAllocatorWithConfig } from './support/allocator-process.js';
import { ProcessGroup } from './support/processes.js';
import { installPrometheusOperatorCrds } from './support/prometheus-operator-crds.js';

const NS = 'shop';
const SM_JOB = 'serviceMonitor/shop/web/0';
const PM_JOB = 'podMonitor/shop/workers/0';
const SC_JOB = 'scrapeConfig/shop/hosts';
const PROBE_JOB = 'probe/shop/front';
const ALL_JOBS = [PM_JOB, PROBE_JOB, SC_JOB, SM_JOB];

interface Group {
  targets: string[];
  labels: Record<string, string>;
}
type ByCollector = Record<string, { targets: Group[] }>;

function serviceMonitor(name: string, labels: Record<string, string>, endpoint: object): object {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name, namespace: NS, labels },
    spec: { selector: { matchLabels: { app: 'web' } }, endpoints: [endpoint] },
  };
}

const WEB_ENDPOINT = { port: 'metrics', bearerTokenSecret: { name: 'scrape', key: 'token' } };

describe('otel-ta allocator with Prometheus CR discovery', () => {
  let cp: ControlPlane;
  let group: ProcessGroup;
  let url = '';

  beforeAll(async () => {
    cp = await startControlPlane();
    group = await ProcessGroup.create('allocator-prometheus-cr');
    await installPrometheusOperatorCrds(cp);
    await applyJson(cp, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    const ips = ['10.1.0.1', '10.1.0.2'];
    await applyJson(
      cp,
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: NS } },
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'web', namespace: NS, labels: { app: 'web' } },
        spec: {
          selector: { app: 'web' },
          ports: [
            { name: 'metrics', port: 8080 },
            { name: 'admin', port: 9000 },
          ],
        },
      },
      {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'web-1', namespace: NS, labels: { 'kubernetes.io/service-name': 'web' } },
        addressType: 'IPv4',
        ports: [
          { name: 'metrics', port: 8080, protocol: 'TCP' },
          { name: 'admin', port: 9000, protocol: 'TCP' },
        ],
        endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
      },
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'worker-0', namespace: NS, labels: { app: 'worker' } },
        spec: {
          serviceAccountName: 'default',
          nodeName: 'node-a',
          containers: [
            {
              name: 'main',
              image: 'example/worker:1',
              ports: [{ name: 'metrics', containerPort: 7070 }],
            },
          ],
        },
      },
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'scrape', namespace: NS },
        stringData: { token: 't0ken' },
      },
      serviceMonitor('web', { release: 'otel' }, WEB_ENDPOINT),
      // Not selected by service_monitor_selector.
      serviceMonitor('unselected', {}, { port: 'admin' }),
      // Selected, but its Secret does not exist: skipped, reported on /metrics.
      serviceMonitor(
        'broken',
        { release: 'otel' },
        { port: 'metrics', bearerTokenSecret: { name: 'missing', key: 'token' } },
      ),
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name: 'front', namespace: NS, labels: { probe: 'yes' } },
        spec: {
          rules: [
            {
              host: 'shop.example.com',
              http: {
                paths: [
                  {
                    path: '/cart',
                    pathType: 'Prefix',
                    backend: { service: { name: 'web', port: { number: 8080 } } },
                  },
                ],
              },
            },
          ],
        },
      },
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'Probe',
        metadata: { name: 'front', namespace: NS },
        spec: {
          module: 'http_2xx',
          prober: { url: 'blackbox.monitoring:9115' },
          targets: { ingress: { selector: { matchLabels: { probe: 'yes' } } } },
        },
      },
      {
        apiVersion: 'monitoring.coreos.com/v1alpha1',
        kind: 'ScrapeConfig',
        metadata: { name: 'hosts', namespace: NS },
        spec: { staticConfigs: [{ targets: ['db-1.shop:9187'], labels: { role: 'db' } }] },
      },
      // An SD kind the allocator does not run: left out and reported, the rest still served.
      {
        apiVersion: 'monitoring.coreos.com/v1alpha1',
        kind: 'ScrapeConfig',
        metadata: { name: 'cloud', namespace: NS },
        spec: { ec2SDConfigs: [{ region: 'eu-west-1' }] },
      },
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PodMonitor',
        metadata: { name: 'workers', namespace: NS },
        spec: {
          selector: { matchLabels: { app: 'worker' } },
          podMetricsEndpoints: [{ port: 'metrics' }],
        },
      },
    );
    await kubectlOk(cp, [
      'patch',
      'pod',
      'worker-0',
      '-n',
      NS,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({
        status: { phase: 'Running', podIP: '10.2.0.1', podIPs: [{ ip: '10.2.0.1' }] },
      }),
    ]);

    ({ url } = await startAllocatorWithConfig(group, 'allocator', {
      kube_config_file_path: cp.kubeconfigPath,
      collector_namespace: 'observability',
      collectors: ['collector-0', 'collector-1'],
      prometheus_cr: {
        enabled: true,
        scrape_interval: '15s',
        service_monitor_selector: { matchLabels: { release: 'otel' } },
        pod_monitor_selector: {},
        scrape_config_selector: {},
        probe_selector: {},
        secret_namespaces: [NS],
      },
      config: { scrape_configs: [] },
    }));
  }, 900_000);

  afterAll(async () => {
    await group?.stopAll();
    await cp?.stop();
  });

  async function get<T>(path: string): Promise<T> {
    return (await (await fetch(`${url}${path}`)).json()) as T;
  }

  async function groups(job: string): Promise<Group[]> {
    const all = await get<ByCollector>(`/jobs/${encodeURIComponent(job)}/targets`);
    return Object.values(all).flatMap((c) => c.targets);
  }

  const addresses = async (job: string): Promise<string[]> =>
    (await groups(job)).flatMap((g) => g.targets).sort();

  it('serves the selected monitors as jobs with their targets, scrape configs and invalid-monitor metric', async () => {
    await eventually('every selected job', async () => {
      const jobs = Object.keys(await get<object>('/jobs')).sort();
      return jobs.join() === ALL_JOBS.join() ? jobs : undefined;
    });
    expect(await addresses(SM_JOB)).toEqual(['10.1.0.1:8080', '10.1.0.2:8080']);
    expect((await groups(SM_JOB))[0]?.labels).toMatchObject({
      __meta_kubernetes_service_name: 'web',
      __meta_kubernetes_endpointslice_port_name: 'metrics',
    });
    expect(await addresses(PM_JOB)).toEqual(['10.2.0.1:7070']);

    const configs = await get<Record<string, Record<string, unknown>>>('/scrape_configs');
    expect(Object.keys(configs).sort()).toEqual(ALL_JOBS);
    expect(configs[SM_JOB]).toMatchObject({
      job_name: SM_JOB,
      scrape_interval: '15s',
      authorization: { type: 'Bearer', credentials: '<secret>' },
      kubernetes_sd_configs: [{ role: 'endpointslice', namespaces: { names: [NS] } }],
    });

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(
      /otel_ta_prometheus_cr_invalid_monitors\{kind="ServiceMonitor",namespace="shop",name="broken",reason=".*Secret shop\/missing is not available.*"\} 1/,
    );
  }, 120_000);

  it('serves an edited monitor, and removes the job of a deleted one', async () => {
    await applyJson(
      cp,
      serviceMonitor('web', { release: 'otel' }, { ...WEB_ENDPOINT, port: 'admin' }),
    );
    await eventually('the edited port', async () =>
      (await addresses(SM_JOB)).join() === '10.1.0.1:9000,10.1.0.2:9000' ? true : undefined,
    );
    await kubectlOk(cp, ['delete', 'servicemonitor', 'web', '-n', NS]);
    await eventually('the job to disappear', async () =>
      Object.keys(await get<object>('/jobs')).includes(SM_JOB) ? undefined : true,
    );
    expect(Object.keys(await get<object>('/scrape_configs')).sort()).toEqual(
      ALL_JOBS.filter((job) => job !== SM_JOB),
    );
  }, 120_000);

  it('serves a Probe of Ingresses and a ScrapeConfig; one with an SD kind it lacks is reported, and the real schema refuses a bad object', async () => {
    const [ingressTarget] = await groups(PROBE_JOB);
    expect(ingressTarget?.targets).toEqual(['shop.example.com']);
    expect(ingressTarget?.labels).toMatchObject({
      __meta_kubernetes_ingress_name: 'front',
      __meta_kubernetes_ingress_path: '/cart',
      __meta_kubernetes_ingress_scheme: 'http',
    });
    const configs = await get<Record<string, Record<string, unknown>>>('/scrape_configs');
    expect(configs[PROBE_JOB]).toMatchObject({
      params: { module: ['http_2xx'] },
      kubernetes_sd_configs: [{ role: 'ingress', namespaces: { names: [NS] } }],
    });
    expect(await groups(SC_JOB)).toEqual([
      { targets: ['db-1.shop:9187'], labels: { __address__: 'db-1.shop:9187', role: 'db' } },
    ]);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain(
      'otel_ta_prometheus_cr_invalid_monitors{kind="ScrapeConfig",namespace="shop",name="cloud",reason="spec.ec2SDConfigs: ec2 service discovery is not implemented by otel-ta',
    );
    // prometheus-operator's schema, not ours, refuses this one at apply time.
    const refused = await cp.kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'monitoring.coreos.com/v1alpha1',
        kind: 'ScrapeConfig',
        metadata: { name: 'ftp', namespace: NS },
        spec: { scheme: 'FTP', staticConfigs: [{ targets: ['a:1'] }] },
      }),
    });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('spec.scheme');
  }, 120_000);
});
