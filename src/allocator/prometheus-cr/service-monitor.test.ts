import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../k8s/object.js';
import { MonitorError } from './monitor-error.js';
import { translateServiceMonitor } from './service-monitor.js';
import { testTranslationContext } from './test-support.js';

const ctx = testTranslationContext({}, { secretNamespaces: ['obs'] });

function serviceMonitor(spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { selector: { matchLabels: { app: 'web' } }, endpoints: [{ port: 'metrics' }], ...spec },
  };
}

function only(spec: Record<string, unknown>): Record<string, unknown> {
  const { scrapeConfigs } = translateServiceMonitor(serviceMonitor(spec), ctx);
  expect(scrapeConfigs).toHaveLength(1);
  return scrapeConfigs[0] as Record<string, unknown>;
}

function rules(spec: Record<string, unknown>): Record<string, unknown>[] {
  return only(spec).relabel_configs as Record<string, unknown>[];
}

describe('translateServiceMonitor', () => {
  it.each([
    [
      'scrapeProtocols',
      { scrapeProtocols: ['PrometheusProto'] },
      { scrape_protocols: ['PrometheusProto'] },
    ],
    [
      'fallbackScrapeProtocol',
      { fallbackScrapeProtocol: 'PrometheusText1.0.0' },
      { fallback_scrape_protocol: 'PrometheusText1.0.0' },
    ],
    ['bodySizeLimit', { bodySizeLimit: '10MB' }, { body_size_limit: '10MB' }],
    ['keepDroppedTargets', { keepDroppedTargets: 3 }, { keep_dropped_targets: 3 }],
    [
      'nativeHistogramBucketLimit',
      { nativeHistogramBucketLimit: 100 },
      { native_histogram_bucket_limit: 100 },
    ],
    [
      'scrapeClassicHistograms',
      { scrapeClassicHistograms: true },
      { always_scrape_classic_histograms: true },
    ],
  ])('monitor-level %s applies to every endpoint job', (_field, spec, expected) => {
    expect(only(spec)).toMatchObject(expected);
  });

  it('inherits the scrape class fallbackScrapeProtocol and attachMetadata when it sets neither', () => {
    const { scrapeConfigs } = translateServiceMonitor(serviceMonitor({ scrapeClass: 'k8s' }), {
      ...ctx,
      scrapeClasses: [
        {
          name: 'k8s',
          fallbackScrapeProtocol: 'PrometheusText0.0.4',
          attachMetadata: { node: true },
        },
      ],
    });
    expect(scrapeConfigs[0]).toMatchObject({
      fallback_scrape_protocol: 'PrometheusText0.0.4',
      kubernetes_sd_configs: [{ role: 'endpointslice', attach_metadata: { node: true } }],
    });
  });

  it('passes attachMetadata.node on to the endpointslice discovery, so targets carry node labels', () => {
    expect(only({ attachMetadata: { node: true } }).kubernetes_sd_configs).toEqual([
      { role: 'endpointslice', namespaces: { names: ['shop'] }, attach_metadata: { node: true } },
    ]);
    expect(only({ attachMetadata: { node: false } }).kubernetes_sd_configs).toEqual([
      { role: 'endpointslice', namespaces: { names: ['shop'] } },
    ]);
  });

  it('generates prometheus-operator relabel rules for a port endpoint, in order', () => {
    expect(only({})).toEqual({
      job_name: 'serviceMonitor/shop/web/0',
      honor_labels: false,
      scrape_interval: '30s',
      kubernetes_sd_configs: [{ role: 'endpointslice', namespaces: { names: ['shop'] } }],
      relabel_configs: [
        { source_labels: ['job'], target_label: '__tmp_prometheus_job_name' },
        {
          action: 'keep',
          source_labels: [
            '__meta_kubernetes_service_label_app',
            '__meta_kubernetes_service_labelpresent_app',
          ],
          regex: '(web);true',
        },
        {
          action: 'keep',
          source_labels: ['__meta_kubernetes_endpointslice_port_name'],
          regex: 'metrics',
        },
        {
          source_labels: [
            '__meta_kubernetes_endpointslice_address_target_kind',
            '__meta_kubernetes_endpointslice_address_target_name',
          ],
          separator: ';',
          regex: 'Node;(.*)',
          replacement: '${1}',
          target_label: 'node',
        },
        {
          source_labels: [
            '__meta_kubernetes_endpointslice_address_target_kind',
            '__meta_kubernetes_endpointslice_address_target_name',
          ],
          separator: ';',
          regex: 'Pod;(.*)',
          replacement: '${1}',
          target_label: 'pod',
        },
        {
          action: 'drop',
          source_labels: ['__meta_kubernetes_pod_phase'],
          regex: '(Failed|Succeeded)',
        },
        { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
        { source_labels: ['__meta_kubernetes_service_name'], target_label: 'service' },
        { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
        { source_labels: ['__meta_kubernetes_pod_container_name'], target_label: 'container' },
        {
          source_labels: ['__meta_kubernetes_service_name'],
          target_label: 'job',
          replacement: '${1}',
        },
        { target_label: 'endpoint', replacement: 'metrics' },
      ],
    });
  });

  it('one job per endpoint, numbered by position', () => {
    const { scrapeConfigs } = translateServiceMonitor(
      serviceMonitor({ endpoints: [{ port: 'a' }, { port: 'b' }] }),
      ctx,
    );
    expect(scrapeConfigs.map((c) => c.job_name)).toEqual([
      'serviceMonitor/shop/web/0',
      'serviceMonitor/shop/web/1',
    ]);
  });

  it('matchExpressions become keep/drop rules over service labels (keys sanitized)', () => {
    const generated = rules({
      selector: {
        matchExpressions: [
          { key: 'app.kubernetes.io/name', operator: 'In', values: ['a', 'b'] },
          { key: 'tier', operator: 'NotIn', values: ['canary'] },
          { key: 'team', operator: 'Exists' },
          { key: 'legacy', operator: 'DoesNotExist' },
        ],
      },
    });
    expect(generated.slice(1, 5)).toEqual([
      {
        action: 'keep',
        source_labels: [
          '__meta_kubernetes_service_label_app_kubernetes_io_name',
          '__meta_kubernetes_service_labelpresent_app_kubernetes_io_name',
        ],
        regex: '(a|b);true',
      },
      {
        action: 'drop',
        source_labels: [
          '__meta_kubernetes_service_label_tier',
          '__meta_kubernetes_service_labelpresent_tier',
        ],
        regex: '(canary);true',
      },
      {
        action: 'keep',
        source_labels: ['__meta_kubernetes_service_labelpresent_team'],
        regex: 'true',
      },
      {
        action: 'drop',
        source_labels: ['__meta_kubernetes_service_labelpresent_legacy'],
        regex: 'true',
      },
    ]);
  });

  it('targetPort keeps the pod container port by name or number and names the endpoint label', () => {
    const byName = rules({ endpoints: [{ targetPort: 'http' }] });
    expect(byName).toContainEqual({
      action: 'keep',
      source_labels: ['__meta_kubernetes_pod_container_port_name'],
      regex: 'http',
    });
    expect(byName).toContainEqual({ target_label: 'endpoint', replacement: 'http' });
    const byNumber = rules({ endpoints: [{ targetPort: 9090 }] });
    expect(byNumber).toContainEqual({
      action: 'keep',
      source_labels: ['__meta_kubernetes_pod_container_port_number'],
      regex: '9090',
    });
    expect(byNumber).toContainEqual({ target_label: 'endpoint', replacement: '9090' });
  });

  it('jobLabel takes the job from a service label, after the service-name default', () => {
    const generated = rules({ jobLabel: 'app.kubernetes.io/name' });
    const jobRules = generated.filter((r) => r.target_label === 'job');
    expect(jobRules).toEqual([
      {
        source_labels: ['__meta_kubernetes_service_name'],
        target_label: 'job',
        replacement: '${1}',
      },
      {
        source_labels: ['__meta_kubernetes_service_label_app_kubernetes_io_name'],
        target_label: 'job',
        regex: '(.+)',
        replacement: '${1}',
      },
    ]);
  });

  it('targetLabels and podTargetLabels copy service and pod labels onto targets', () => {
    const generated = rules({ targetLabels: ['team'], podTargetLabels: ['version'] });
    expect(generated).toContainEqual({
      source_labels: ['__meta_kubernetes_service_label_team'],
      target_label: 'team',
      regex: '(.+)',
      replacement: '${1}',
    });
    expect(generated).toContainEqual({
      source_labels: ['__meta_kubernetes_pod_label_version'],
      target_label: 'version',
      regex: '(.+)',
      replacement: '${1}',
    });
  });

  it('user relabelings follow the generated rules; metricRelabelings become metric_relabel_configs', () => {
    const config = only({
      endpoints: [
        {
          port: 'metrics',
          relabelings: [
            {
              sourceLabels: ['__meta_kubernetes_pod_node_name'],
              targetLabel: 'node',
              action: 'Replace',
            },
            {
              action: 'hashmod',
              sourceLabels: ['__address__'],
              modulus: 4,
              targetLabel: '__tmp_h',
            },
          ],
          metricRelabelings: [{ action: 'drop', sourceLabels: ['__name__'], regex: 'go_.*' }],
        },
      ],
    });
    const generated = config.relabel_configs as Record<string, unknown>[];
    expect(generated.slice(-2)).toEqual([
      {
        source_labels: ['__meta_kubernetes_pod_node_name'],
        target_label: 'node',
        action: 'replace',
      },
      { source_labels: ['__address__'], target_label: '__tmp_h', modulus: 4, action: 'hashmod' },
    ]);
    expect(config.metric_relabel_configs).toEqual([
      { source_labels: ['__name__'], regex: 'go_.*', action: 'drop' },
    ]);
  });

  it('carries path, scheme, interval, timeout, params, honor flags and limits', () => {
    const config = only({
      sampleLimit: 1000,
      targetLimit: 10,
      endpoints: [
        {
          port: 'metrics',
          path: '/custom',
          scheme: 'HTTPS',
          interval: '15s',
          scrapeTimeout: '5s',
          params: { module: ['http_2xx'], target: ['a', 'b'] },
          honorLabels: true,
          honorTimestamps: false,
          followRedirects: false,
          enableHttp2: true,
          proxyUrl: 'http://proxy:3128',
        },
      ],
    });
    expect(config).toMatchObject({
      metrics_path: '/custom',
      scheme: 'https',
      scrape_interval: '15s',
      scrape_timeout: '5s',
      params: { module: ['http_2xx'], target: ['a', 'b'] },
      honor_labels: true,
      honor_timestamps: false,
      follow_redirects: false,
      enable_http2: true,
      proxy_url: 'http://proxy:3128',
      sample_limit: 1000,
      target_limit: 10,
    });
  });

  it('namespaceSelector: any watches every namespace, matchNames those, default the own', () => {
    expect(only({ namespaceSelector: { any: true } }).kubernetes_sd_configs).toEqual([
      { role: 'endpointslice' },
    ]);
    expect(only({ namespaceSelector: { matchNames: ['a', 'b'] } }).kubernetes_sd_configs).toEqual([
      { role: 'endpointslice', namespaces: { names: ['a', 'b'] } },
    ]);
  });

  it('filterRunning: false keeps finished pods', () => {
    const generated = rules({ endpoints: [{ port: 'metrics', filterRunning: false }] });
    expect(generated.some((r) => r.regex === '(Failed|Succeeded)')).toBe(false);
  });

  it('rejects a monitor without a selector, or with a wrongly typed field, naming the field', () => {
    expect(() => translateServiceMonitor(serviceMonitor({ selector: null }), ctx)).toThrow(
      new MonitorError('spec.selector is required'),
    );
    expect(() =>
      translateServiceMonitor(serviceMonitor({ endpoints: [{ port: 'm', interval: 30 }] }), ctx),
    ).toThrow('spec.endpoints[0].interval must be a string');
    expect(() =>
      translateServiceMonitor(
        serviceMonitor({ selector: { matchExpressions: [{ key: 'a', operator: 'Like' }] } }),
        ctx,
      ),
    ).toThrow('spec.selector.matchExpressions[0].operator must be one of');
  });
});
