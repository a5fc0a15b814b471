import { describe, expect, it } from 'vitest';
import { buildIngressGroup } from './ingress-role.js';
import { buildNodeGroup } from './node-role.js';
import { buildServiceGroup } from './service-role.js';

describe('role: node', () => {
  it('targets the kubelet port at the preferred address, with one label per address type', () => {
    const group = buildNodeGroup({
      metadata: { name: 'node-1', labels: { 'topology.kubernetes.io/zone': 'z1' } },
      spec: { providerID: 'aws:///i-1' },
      status: {
        addresses: [
          { type: 'Hostname', address: 'node-1.local' },
          { type: 'ExternalIP', address: '3.3.3.3' },
          { type: 'InternalIP', address: '10.0.0.1' },
          { type: 'InternalIP', address: '10.0.0.2' },
        ],
        daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      },
    });
    expect(group).toEqual({
      source: 'node/node-1',
      labels: {
        __meta_kubernetes_node_name: 'node-1',
        __meta_kubernetes_node_provider_id: 'aws:///i-1',
        __meta_kubernetes_node_label_topology_kubernetes_io_zone: 'z1',
        __meta_kubernetes_node_labelpresent_topology_kubernetes_io_zone: 'true',
      },
      targets: [
        {
          __address__: '10.0.0.1:10250',
          instance: 'node-1',
          __meta_kubernetes_node_address_Hostname: 'node-1.local',
          __meta_kubernetes_node_address_ExternalIP: '3.3.3.3',
          __meta_kubernetes_node_address_InternalIP: '10.0.0.1',
        },
      ],
    });
  });

  it('has no target for a node without addresses', () => {
    expect(buildNodeGroup({ metadata: { name: 'n' } }).targets).toEqual([]);
  });
});

describe('role: service', () => {
  it('builds one target per port at <name>.<namespace>.svc, cluster IP or external name by type', () => {
    const group = buildServiceGroup({
      metadata: { name: 'web', namespace: 'shop', annotations: { a: 'b' } },
      spec: {
        type: 'ClusterIP',
        clusterIP: '10.96.0.10',
        ports: [
          { name: 'http', port: 80, protocol: 'TCP' },
          { name: 'dns', port: 53, protocol: 'UDP' },
        ],
      },
    });
    expect(group.source).toBe('svc/shop/web');
    expect(group.labels).toEqual({
      __meta_kubernetes_namespace: 'shop',
      __meta_kubernetes_service_name: 'web',
      __meta_kubernetes_service_annotation_a: 'b',
      __meta_kubernetes_service_annotationpresent_a: 'true',
    });
    expect(group.targets).toEqual([
      {
        __address__: 'web.shop.svc:80',
        __meta_kubernetes_service_port_name: 'http',
        __meta_kubernetes_service_port_number: '80',
        __meta_kubernetes_service_port_protocol: 'TCP',
        __meta_kubernetes_service_type: 'ClusterIP',
        __meta_kubernetes_service_cluster_ip: '10.96.0.10',
      },
      {
        __address__: 'web.shop.svc:53',
        __meta_kubernetes_service_port_name: 'dns',
        __meta_kubernetes_service_port_number: '53',
        __meta_kubernetes_service_port_protocol: 'UDP',
        __meta_kubernetes_service_type: 'ClusterIP',
        __meta_kubernetes_service_cluster_ip: '10.96.0.10',
      },
    ]);
    const external = buildServiceGroup({
      metadata: { name: 'ext', namespace: 'shop' },
      spec: { type: 'ExternalName', externalName: 'db.example.com', ports: [{ port: 5432 }] },
    });
    expect(external.targets[0]).toMatchObject({
      __meta_kubernetes_service_external_name: 'db.example.com',
    });
    expect(external.targets[0]).not.toHaveProperty('__meta_kubernetes_service_cluster_ip');
  });
});

describe('role: ingress', () => {
  it('builds one target per rule path, https where a TLS entry (wildcards included) covers the host', () => {
    const group = buildIngressGroup({
      metadata: { name: 'shop', namespace: 'web' },
      spec: {
        ingressClassName: 'nginx',
        tls: [{ hosts: ['*.example.com'] }],
        rules: [
          { host: 'a.example.com', http: { paths: [{ path: '/api' }, { path: '' }] } },
          { host: 'plain.org' },
        ],
      },
    });
    expect(group.source).toBe('ingress/web/shop');
    expect(group.labels).toEqual({
      __meta_kubernetes_namespace: 'web',
      __meta_kubernetes_ingress_name: 'shop',
      __meta_kubernetes_ingress_class_name: 'nginx',
    });
    expect(group.targets).toEqual([
      {
        __address__: 'a.example.com',
        __meta_kubernetes_ingress_scheme: 'https',
        __meta_kubernetes_ingress_host: 'a.example.com',
        __meta_kubernetes_ingress_path: '/api',
      },
      {
        __address__: 'a.example.com',
        __meta_kubernetes_ingress_scheme: 'https',
        __meta_kubernetes_ingress_host: 'a.example.com',
        __meta_kubernetes_ingress_path: '/',
      },
      {
        __address__: 'plain.org',
        __meta_kubernetes_ingress_scheme: 'http',
        __meta_kubernetes_ingress_host: 'plain.org',
        __meta_kubernetes_ingress_path: '/',
      },
    ]);
  });
});
