import { describe, expect, it } from 'vitest';
import type { Pod } from './kube-types.js';
import { buildPodGroup } from './pod-role.js';

const pod: Pod = {
  metadata: {
    name: 'web-0',
    namespace: 'shop',
    uid: 'uid-1',
    labels: { app: 'web', 'app.kubernetes.io/name': 'web' },
    annotations: { 'prometheus.io/scrape': 'true' },
    ownerReferences: [
      { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u', controller: true },
    ],
  },
  spec: {
    nodeName: 'node-1',
    containers: [
      {
        name: 'app',
        image: 'shop/web:1',
        ports: [
          { name: 'http', containerPort: 8080, protocol: 'TCP' },
          { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
        ],
      },
      { name: 'sidecar', image: 'proxy:2' },
    ],
    initContainers: [{ name: 'init', image: 'busybox' }],
  },
  status: {
    phase: 'Running',
    podIP: '10.0.0.5',
    hostIP: '192.168.1.1',
    conditions: [{ type: 'Ready', status: 'True' }],
    containerStatuses: [{ name: 'app', containerID: 'containerd://abc' }],
    initContainerStatuses: [{ name: 'init', containerID: 'containerd://init' }],
  },
};

describe('role: pod', () => {
  it('builds one target per container port, one per port-less container, with Prometheus labels', () => {
    const group = buildPodGroup(pod);
    expect(group.source).toBe('pod/shop/web-0');
    expect(group.labels).toEqual({
      __meta_kubernetes_namespace: 'shop',
      __meta_kubernetes_pod_name: 'web-0',
      __meta_kubernetes_pod_ip: '10.0.0.5',
      __meta_kubernetes_pod_ready: 'true',
      __meta_kubernetes_pod_phase: 'Running',
      __meta_kubernetes_pod_node_name: 'node-1',
      __meta_kubernetes_pod_host_ip: '192.168.1.1',
      __meta_kubernetes_pod_uid: 'uid-1',
      __meta_kubernetes_pod_label_app: 'web',
      __meta_kubernetes_pod_labelpresent_app: 'true',
      __meta_kubernetes_pod_label_app_kubernetes_io_name: 'web',
      __meta_kubernetes_pod_labelpresent_app_kubernetes_io_name: 'true',
      __meta_kubernetes_pod_annotation_prometheus_io_scrape: 'true',
      __meta_kubernetes_pod_annotationpresent_prometheus_io_scrape: 'true',
      __meta_kubernetes_pod_controller_kind: 'StatefulSet',
      __meta_kubernetes_pod_controller_name: 'web',
    });
    expect(group.targets).toEqual([
      {
        __address__: '10.0.0.5:8080',
        __meta_kubernetes_pod_container_name: 'app',
        __meta_kubernetes_pod_container_id: 'containerd://abc',
        __meta_kubernetes_pod_container_image: 'shop/web:1',
        __meta_kubernetes_pod_container_init: 'false',
        __meta_kubernetes_pod_container_port_name: 'http',
        __meta_kubernetes_pod_container_port_number: '8080',
        __meta_kubernetes_pod_container_port_protocol: 'TCP',
      },
      {
        __address__: '10.0.0.5:9090',
        __meta_kubernetes_pod_container_name: 'app',
        __meta_kubernetes_pod_container_id: 'containerd://abc',
        __meta_kubernetes_pod_container_image: 'shop/web:1',
        __meta_kubernetes_pod_container_init: 'false',
        __meta_kubernetes_pod_container_port_name: 'metrics',
        __meta_kubernetes_pod_container_port_number: '9090',
        __meta_kubernetes_pod_container_port_protocol: 'TCP',
      },
      {
        __address__: '10.0.0.5',
        __meta_kubernetes_pod_container_name: 'sidecar',
        __meta_kubernetes_pod_container_id: '',
        __meta_kubernetes_pod_container_image: 'proxy:2',
        __meta_kubernetes_pod_container_init: 'false',
      },
      {
        __address__: '10.0.0.5',
        __meta_kubernetes_pod_container_name: 'init',
        __meta_kubernetes_pod_container_id: 'containerd://init',
        __meta_kubernetes_pod_container_image: 'busybox',
        __meta_kubernetes_pod_container_init: 'true',
      },
    ]);
  });

  it('has no targets while the pod has no IP, and reports readiness as unknown without a Ready condition', () => {
    const pending: Pod = { ...pod, status: { phase: 'Pending' } };
    expect(buildPodGroup(pending)).toEqual({ source: 'pod/shop/web-0', targets: [], labels: {} });
    const noReady: Pod = { ...pod, status: { phase: 'Running', podIP: '10.0.0.5' } };
    expect(buildPodGroup(noReady).labels.__meta_kubernetes_pod_ready).toBe('unknown');
  });

  it('brackets IPv6 pod addresses', () => {
    const v6: Pod = { ...pod, status: { ...pod.status, podIP: 'fd00::5' } };
    expect(buildPodGroup(v6).targets[0]?.__address__).toBe('[fd00::5]:8080');
  });
});
