import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { storedCollector } from '../../test/e2e/controller-fixtures.js';
import { buildAllocatorConfig as parseAllocatorConfigFile } from '../config/allocator-config.js';
import { renderAllocatorConfig } from './allocator-config.js';
import { toCollectorResource } from './collector-resource.js';

const operatorPods = { collectorManagedBy: 'opentelemetry-operator' };

describe('renderAllocatorConfig', () => {
  it("renders the documentation's collector in the upstream targetallocator.yaml format", () => {
    const config = renderAllocatorConfig(toCollectorResource(storedCollector())!, operatorPods);
    expect(config.text).toBe(
      [
        'collector_namespace: observability',
        'collector_selector:',
        '  matchLabels:',
        '    app.kubernetes.io/component: opentelemetry-collector',
        '    app.kubernetes.io/instance: observability.collector-with-ta',
        '    app.kubernetes.io/managed-by: opentelemetry-operator',
        '    app.kubernetes.io/part-of: opentelemetry',
        'config:',
        '  scrape_configs:',
        '    - job_name: otel-collector',
        '      metric_relabel_configs:',
        '        - action: labeldrop',
        '          regex: (id|name)',
        '          replacement: $1',
        '      scrape_interval: 10s',
        '      static_configs:',
        '        - targets:',
        '            - 0.0.0.0:8888',
        'allocation_strategy: consistent-hashing',
        'filter_strategy: relabel-config',
        'collector_refresh_interval: 10s',
        '',
      ].join('\n'),
    );
    expect(config.warnings).toEqual([]);
    expect(config.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('undoes the collector $$ escaping in every string, not only in replacement', () => {
    const collector = storedCollector((c) => {
      c.spec.config.receivers.prometheus.config.scrape_configs[0]!.relabel_configs = [
        {
          source_labels: ['__address__'],
          regex: '(.*):$$',
          target_label: 'cost',
          replacement: 'US$$${1}',
        },
      ];
    });
    const doc = renderAllocatorConfig(toCollectorResource(collector)!, operatorPods).document;
    expect(doc.config).toMatchObject({
      scrape_configs: [
        { relabel_configs: [{ regex: '(.*):$', replacement: 'US$${1}', target_label: 'cost' }] },
      ],
    });
  });

  it('is read by our allocator config loader without error, with the same jobs', () => {
    const config = renderAllocatorConfig(toCollectorResource(storedCollector())!, operatorPods);
    const loaded = parseAllocatorConfigFile({
      flags: {},
      env: {},
      file: { path: '/conf/targetallocator.yaml', text: config.text },
    });
    expect(loaded.collectorNamespace).toBe('observability');
    expect(loaded.allocationStrategy).toBe('consistent-hashing');
    expect(loaded.prometheus.scrapeConfigs.map((s) => s.job_name)).toEqual(['otel-collector']);
    expect(loaded.collectorRefreshIntervalMs).toBe(10_000);
  });

  it('tells the allocator the refresh interval the collector config really has (the annotation here)', () => {
    const collector = storedCollector((c) => {
      (c as { metadata: { annotations?: Record<string, string> } }).metadata.annotations = {
        'otel-ta.dev/refresh-interval': '25s',
      };
    });
    const doc = renderAllocatorConfig(toCollectorResource(collector)!, operatorPods).document;
    expect(doc.collector_refresh_interval).toBe('25s');
  });

  it('carries the fallback strategy, prometheusCR in snake_case and the grace period', () => {
    const collector = storedCollector((c) => {
      c.spec.mode = 'daemonset';
      c.spec.targetAllocator = {
        enabled: true,
        allocationStrategy: 'per-node',
        allocationFallbackStrategy: 'consistent-hashing',
        collectorNotReadyGracePeriod: '45s',
        prometheusCR: { enabled: true, scrapeInterval: '15s', serviceMonitorSelector: {} },
      };
    });
    const doc = renderAllocatorConfig(toCollectorResource(collector)!, operatorPods).document;
    expect(doc.allocation_strategy).toBe('per-node');
    expect(doc.allocation_fallback_strategy).toBe('consistent-hashing');
    expect(doc.collector_not_ready_grace_period).toBe('45s');
    expect(doc.prometheus_cr).toEqual({
      enabled: true,
      scrape_interval: '15s',
      service_monitor_selector: {},
    });
  });

  it('renders the ScrapeConfig and Probe selection keys and scrape classes as upstream names them, and the allocator loads them', () => {
    const collector = storedCollector((c) => {
      c.spec.targetAllocator = {
        enabled: true,
        prometheusCR: {
          enabled: true,
          scrapeConfigSelector: { matchLabels: { team: 'a' } },
          scrapeConfigNamespaceSelector: { matchLabels: { monitored: 'yes' } },
          probeSelector: {},
          probeNamespaceSelector: {},
          denyNamespaces: ['kube-system'],
          scrapeClasses: [{ name: 'std', default: true, tlsConfig: { caFile: '/etc/ca.crt' } }],
        },
      };
    });
    const config = renderAllocatorConfig(toCollectorResource(collector)!, operatorPods);
    expect(config.document.prometheus_cr).toEqual({
      enabled: true,
      scrape_config_selector: { matchLabels: { team: 'a' } },
      scrape_config_namespace_selector: { matchLabels: { monitored: 'yes' } },
      probe_selector: {},
      probe_namespace_selector: {},
      deny_namespaces: ['kube-system'],
      scrape_classes: [{ name: 'std', default: true, tlsConfig: { caFile: '/etc/ca.crt' } }],
    });
    const loaded = parseAllocatorConfigFile({
      flags: {},
      env: {},
      file: { path: '/conf/targetallocator.yaml', text: config.text },
    });
    expect(loaded.prometheusCr.scrapeConfigSelector).toEqual({
      matchLabels: { team: 'a' },
      matchExpressions: [],
    });
    expect(loaded.prometheusCr.probeSelector).toEqual({ matchLabels: {}, matchExpressions: [] });
    expect(loaded.prometheusCr.denyNamespaces).toEqual(['kube-system']);
  });

  it('warns when the allocator would have nothing to do', () => {
    const collector = storedCollector((c) => {
      c.spec.config.receivers.prometheus.config.scrape_configs = [];
    });
    const config = renderAllocatorConfig(toCollectorResource(collector)!, operatorPods);
    expect(config.warnings.join()).toContain('no scrape configs');
    expect(parse(config.text)).toMatchObject({ config: { scrape_configs: [] } });
  });

  it('the same collector renders byte-identical text (no map-order or time effects)', () => {
    const a = renderAllocatorConfig(toCollectorResource(storedCollector())!, operatorPods);
    const b = renderAllocatorConfig(toCollectorResource(storedCollector())!, operatorPods);
    expect(a.text).toBe(b.text);
    expect(a.hash).toBe(b.hash);
  });
});
