import type { ResourceType } from '../../k8s/resource-path.js';

/** prometheus-operator's monitor kinds (monitoring.coreos.com/v1). */
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
} as const satisfies Record<string, ResourceType>;

export type MonitorKind = 'ServiceMonitor' | 'PodMonitor';
