import { describe, expect, it } from 'vitest';
import { targetNodeName } from './node-name.js';

describe('targetNodeName', () => {
  it('prefers the pod node, then the node, then the endpoint node', () => {
    const all = {
      __meta_kubernetes_pod_node_name: 'pod-node',
      __meta_kubernetes_node_name: 'node',
      __meta_kubernetes_endpoint_node_name: 'endpoint-node',
    };
    expect(targetNodeName(all)).toBe('pod-node');
    expect(targetNodeName({ ...all, __meta_kubernetes_pod_node_name: '' })).toBe('node');
    expect(targetNodeName({ __meta_kubernetes_endpoint_node_name: 'endpoint-node' })).toBe(
      'endpoint-node',
    );
  });

  it('uses an EndpointSlice address only when it targets a Node', () => {
    const slice = { __meta_kubernetes_endpointslice_address_target_name: 'n7' };
    expect(
      targetNodeName({ ...slice, __meta_kubernetes_endpointslice_address_target_kind: 'Node' }),
    ).toBe('n7');
    expect(
      targetNodeName({ ...slice, __meta_kubernetes_endpointslice_address_target_kind: 'Pod' }),
    ).toBeUndefined();
  });

  it('is undefined when discovery did not tell', () => {
    expect(targetNodeName({ __address__: 'a:1' })).toBeUndefined();
  });
});
