import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../k8s/object.js';
import type { TranslationContext } from './endpoint-settings.js';
import { translatePodMonitor } from './pod-monitor.js';
import { translateServiceMonitor } from './service-monitor.js';

const ctx: TranslationContext = {
  defaultScrapeInterval: '1m',
  denyFsAccess: true,
  secrets: () => undefined,
  configMaps: () => undefined,
  scrapeClasses: [],
  secretNamespaces: [],
};

function podMonitor(spec: Record<string, unknown>): KubeObject {
  return {
    metadata: { name: 'workers', namespace: 'batch' },
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': 'worker' } },
      podMetricsEndpoints: [{ port: 'metrics' }],
      ...spec,
    },
  };
}

function only(spec: Record<string, unknown>): Record<string, unknown> {
  const { scrapeConfigs } = translatePodMonitor(podMonitor(spec), ctx);
  expect(scrapeConfigs).toHaveLength(1);
  return scrapeConfigs[0] as Record<string, unknown>;
}

describe('translatePodMonitor', () => {
  it('passes attachMetadata.node on to the pod discovery, so targets carry node labels', () => {
    expect(only({ attachMetadata: { node: true } }).kubernetes_sd_configs).toEqual([
      { role: 'pod', namespaces: { names: ['batch'] }, attach_metadata: { node: true } },
    ]);
  });

  it('generates the pod-role job with prometheus-operator relabel rules', () => {
    expect(only({})).toEqual({
      job_name: 'podMonitor/batch/workers/0',
      honor_labels: false,
      scrape_interval: '1m',
      kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: ['batch'] } }],
      relabel_configs: [
        { source_labels: ['job'], target_label: '__tmp_prometheus_job_name' },
        {
          action: 'drop',
          source_labels: ['__meta_kubernetes_pod_phase'],
          regex: '(Failed|Succeeded)',
        },
        {
          action: 'keep',
          source_labels: [
            '__meta_kubernetes_pod_label_app_kubernetes_io_name',
            '__meta_kubernetes_pod_labelpresent_app_kubernetes_io_name',
          ],
          regex: '(worker);true',
        },
        {
          action: 'keep',
          source_labels: ['__meta_kubernetes_pod_container_port_name'],
          regex: 'metrics',
        },
        { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
        { source_labels: ['__meta_kubernetes_pod_container_name'], target_label: 'container' },
        { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
        { target_label: 'job', replacement: 'batch/workers' },
        { target_label: 'endpoint', replacement: 'metrics' },
      ],
    });
  });

  it('portNumber and targetPort select the container port by number', () => {
    for (const endpoint of [{ portNumber: 8080 }, { targetPort: 8080 }]) {
      expect(only({ podMetricsEndpoints: [endpoint] }).relabel_configs).toContainEqual({
        action: 'keep',
        source_labels: ['__meta_kubernetes_pod_container_port_number'],
        regex: '8080',
      });
    }
  });

  it('jobLabel and podTargetLabels read pod labels', () => {
    const generated = only({ jobLabel: 'team', podTargetLabels: ['version'] })
      .relabel_configs as Record<string, unknown>[];
    expect(generated).toContainEqual({
      source_labels: ['__meta_kubernetes_pod_label_team'],
      target_label: 'job',
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

  it('under deny_fs_access_through_sms only the endpoint reading a file is left out', () => {
    const monitor: KubeObject = {
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        selector: {},
        endpoints: [{ port: 'a', bearerTokenFile: '/token' }, { port: 'b' }],
      },
    };
    const { scrapeConfigs, warnings } = translateServiceMonitor(monitor, ctx);
    expect(scrapeConfigs.map((c) => c.job_name)).toEqual(['serviceMonitor/shop/web/1']);
    expect(warnings).toEqual([
      'spec.endpoints[0] reads files (/token) and prometheus_cr.deny_fs_access_through_sms is set: endpoint left out',
    ]);
  });
});
