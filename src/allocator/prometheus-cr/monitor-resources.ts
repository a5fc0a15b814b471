import type { ResourceType } from '../../k8s/resource-path.js';

/** prometheus-operator's resources that declare scrape jobs (monitoring.coreos.com). */
export const MONITOR_TYPES = {
  serviceMonitors: {
    group: 'monitoring.coreos.com',
    version: 'v1',
    resource: 'servicemonitors',
    namespaced: true,
  },
  podMonitors: {
    group: 'monitoring.coreos.com',
    version: 'v1',
    resource: 'podmonitors',
    namespaced: true,
  },
  scrapeConfigs: {
    group: 'monitoring.coreos.com',
    version: 'v1alpha1',
    resource: 'scrapeconfigs',
    namespaced: true,
  },
  probes: { group: 'monitoring.coreos.com', version: 'v1', resource: 'probes', namespaced: true },
} as const satisfies Record<string, ResourceType>;

export type MonitorKind = 'ServiceMonitor' | 'PodMonitor' | 'ScrapeConfig' | 'Probe';
