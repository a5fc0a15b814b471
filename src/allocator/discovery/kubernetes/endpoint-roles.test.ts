import { describe, expect, it } from 'vitest';
import { buildEndpointSliceGroup } from './endpointslice-role.js';
import { buildEndpointsGroup } from './endpoints-role.js';
import type { Pod, Service } from './kube-types.js';

const pod: Pod = {
  metadata: { name: 'web-0', namespace: 'shop', uid: 'u1', labels: { app: 'web' } },
  spec: {
    nodeName: 'node-1',
    containers: [
      {
        name: 'app',
        image: 'web:1',
        ports: [
          { name: 'http', containerPort: 8080, protocol: 'TCP' },
          { name: 'admin', containerPort: 9000, protocol: 'TCP' },
        ],
      },
    ],
  },
  status: { phase: 'Running', podIP: '10.0.0.5', hostIP: '192.168.1.1' },
};
const service: Service = {
  metadata: { name: 'web', namespace: 'shop', labels: { team: 'a' } },
  spec: { ports: [{ port: 80 }] },
};
const lookups = {
  pods: (key: string): Pod | undefined => (key === 'shop/web-0' ? pod : undefined),
  services: (key: string): Service | undefined => (key === 'shop/web' ? service : undefined),
};
const podLabels = {
  __meta_kubernetes_pod_name: 'web-0',
  __meta_kubernetes_pod_ip: '10.0.0.5',
  __meta_kubernetes_pod_ready: 'unknown',
  __meta_kubernetes_pod_phase: 'Running',
  __meta_kubernetes_pod_node_name: 'node-1',
  __meta_kubernetes_pod_host_ip: '192.168.1.1',
  __meta_kubernetes_pod_uid: 'u1',
  __meta_kubernetes_pod_label_app: 'web',
  __meta_kubernetes_pod_labelpresent_app: 'true',
};

describe('role: endpointslice', () => {
  it('labels each endpoint port, adds service labels to the group and pod labels to pod targets, and targets uncovered container ports', () => {
    const group = buildEndpointSliceGroup(
      {
        metadata: {
          name: 'web-abc',
          namespace: 'shop',
          labels: { 'kubernetes.io/service-name': 'web' },
        },
        addressType: 'IPv4',
        ports: [{ name: 'http', port: 8080, protocol: 'TCP', appProtocol: 'http' }],
        endpoints: [
          {
            addresses: ['10.0.0.5'],
            conditions: { ready: true, serving: true, terminating: false },
            hostname: 'web-0',
            nodeName: 'node-1',
            zone: 'z1',
            targetRef: { kind: 'Pod', name: 'web-0', namespace: 'shop' },
            deprecatedTopology: { 'kubernetes.io/hostname': 'node-1' },
          },
          { addresses: ['10.0.0.99'], conditions: { ready: false } },
        ],
      },
      lookups,
    );
    expect(group.source).toBe('endpointslice/shop/web-abc');
    expect(group.labels).toEqual({
      __meta_kubernetes_namespace: 'shop',
      __meta_kubernetes_endpointslice_address_type: 'IPv4',
      __meta_kubernetes_endpointslice_name: 'web-abc',
      __meta_kubernetes_endpointslice_label_kubernetes_io_service_name: 'web',
      __meta_kubernetes_endpointslice_labelpresent_kubernetes_io_service_name: 'true',
      __meta_kubernetes_service_name: 'web',
      __meta_kubernetes_service_label_team: 'a',
      __meta_kubernetes_service_labelpresent_team: 'true',
    });
    expect(group.targets).toEqual([
      {
        __address__: '10.0.0.5:8080',
        __meta_kubernetes_endpointslice_port_name: 'http',
        __meta_kubernetes_endpointslice_port_protocol: 'TCP',
        __meta_kubernetes_endpointslice_port: '8080',
        __meta_kubernetes_endpointslice_port_app_protocol: 'http',
        __meta_kubernetes_endpointslice_endpoint_conditions_ready: 'true',
        __meta_kubernetes_endpointslice_endpoint_conditions_serving: 'true',
        __meta_kubernetes_endpointslice_endpoint_conditions_terminating: 'false',
        __meta_kubernetes_endpointslice_endpoint_hostname: 'web-0',
        __meta_kubernetes_endpointslice_endpoint_node_name: 'node-1',
        __meta_kubernetes_endpointslice_endpoint_zone: 'z1',
        __meta_kubernetes_endpointslice_address_target_kind: 'Pod',
        __meta_kubernetes_endpointslice_address_target_name: 'web-0',
        __meta_kubernetes_endpointslice_endpoint_topology_kubernetes_io_hostname: 'node-1',
        __meta_kubernetes_endpointslice_endpoint_topology_present_kubernetes_io_hostname: 'true',
        ...podLabels,
        __meta_kubernetes_pod_container_name: 'app',
        __meta_kubernetes_pod_container_image: 'web:1',
        __meta_kubernetes_pod_container_port_name: 'http',
        __meta_kubernetes_pod_container_port_number: '8080',
        __meta_kubernetes_pod_container_port_protocol: 'TCP',
      },
      {
        __address__: '10.0.0.99:8080',
        __meta_kubernetes_endpointslice_port_name: 'http',
        __meta_kubernetes_endpointslice_port_protocol: 'TCP',
        __meta_kubernetes_endpointslice_port: '8080',
        __meta_kubernetes_endpointslice_port_app_protocol: 'http',
        __meta_kubernetes_endpointslice_endpoint_conditions_ready: 'false',
      },
      {
        __address__: '10.0.0.5:9000',
        __meta_kubernetes_pod_container_name: 'app',
        __meta_kubernetes_pod_container_image: 'web:1',
        __meta_kubernetes_pod_container_port_name: 'admin',
        __meta_kubernetes_pod_container_port_number: '9000',
        __meta_kubernetes_pod_container_port_protocol: 'TCP',
        ...podLabels,
      },
    ]);
  });

  it('leaves out service labels while the service is unknown', () => {
    const group = buildEndpointSliceGroup(
      {
        metadata: { name: 's', namespace: 'other', labels: { 'kubernetes.io/service-name': 'x' } },
        addressType: 'IPv4',
        ports: [{ port: 80 }],
        endpoints: [{ addresses: ['1.2.3.4'] }],
      },
      lookups,
    );
    expect(group.labels).not.toHaveProperty('__meta_kubernetes_service_name');
    expect(group.targets).toEqual([
      { __address__: '1.2.3.4:80', __meta_kubernetes_endpointslice_port: '80' },
    ]);
  });
});

describe('role: endpoints', () => {
  it('labels ready and not-ready addresses per port, with service and pod labels', () => {
    const group = buildEndpointsGroup(
      {
        metadata: { name: 'web', namespace: 'shop' },
        subsets: [
          {
            addresses: [
              {
                ip: '10.0.0.5',
                nodeName: 'node-1',
                hostname: 'web-0',
                targetRef: { kind: 'Pod', name: 'web-0', namespace: 'shop' },
              },
            ],
            notReadyAddresses: [{ ip: '10.0.0.6' }],
            ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
          },
        ],
      },
      lookups,
    );
    expect(group.source).toBe('endpoints/shop/web');
    expect(group.labels).toEqual({
      __meta_kubernetes_namespace: 'shop',
      __meta_kubernetes_endpoints_name: 'web',
      __meta_kubernetes_service_name: 'web',
      __meta_kubernetes_service_label_team: 'a',
      __meta_kubernetes_service_labelpresent_team: 'true',
    });
    expect(group.targets).toEqual([
      {
        __address__: '10.0.0.5:8080',
        __meta_kubernetes_endpoint_port_name: 'http',
        __meta_kubernetes_endpoint_port_protocol: 'TCP',
        __meta_kubernetes_endpoint_ready: 'true',
        __meta_kubernetes_endpoint_address_target_kind: 'Pod',
        __meta_kubernetes_endpoint_address_target_name: 'web-0',
        __meta_kubernetes_endpoint_node_name: 'node-1',
        __meta_kubernetes_endpoint_hostname: 'web-0',
        ...podLabels,
        __meta_kubernetes_pod_container_name: 'app',
        __meta_kubernetes_pod_container_image: 'web:1',
        __meta_kubernetes_pod_container_port_name: 'http',
        __meta_kubernetes_pod_container_port_number: '8080',
        __meta_kubernetes_pod_container_port_protocol: 'TCP',
      },
      {
        __address__: '10.0.0.6:8080',
        __meta_kubernetes_endpoint_port_name: 'http',
        __meta_kubernetes_endpoint_port_protocol: 'TCP',
        __meta_kubernetes_endpoint_ready: 'false',
      },
      {
        __address__: '10.0.0.5:9000',
        __meta_kubernetes_pod_container_name: 'app',
        __meta_kubernetes_pod_container_image: 'web:1',
        __meta_kubernetes_pod_container_port_name: 'admin',
        __meta_kubernetes_pod_container_port_number: '9000',
        __meta_kubernetes_pod_container_port_protocol: 'TCP',
        ...podLabels,
      },
    ]);
  });
});
