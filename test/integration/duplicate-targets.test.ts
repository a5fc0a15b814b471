import { afterEach, describe, expect, it } from 'vitest';
import { Allocator } from '../../src/allocator/allocator.js';
import type { TargetGroup } from '../../src/allocator/model.js';
import type { AllocatorServer } from '../../src/allocator/server/allocator-server.js';
import { createStrategy } from '../../src/allocator/strategies/registry.js';
import { buildTargets, scrapeJobSettingsFromConfig } from '../../src/allocator/targets/index.js';
import { idleAllocatorServer } from '../e2e/support/idle-allocator-server.js';

// The documented rule for duplicate targets (src/allocator/targets/duplicate-targets.ts): targets
// of one job with one identity are served once, with the labels of the least under (address, node,
// labels), whatever order discovery lists them in.

const running: AllocatorServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

const settings = scrapeJobSettingsFromConfig({ job_name: 'app' }, {}, { filterByRelabel: true });

/** The same pod seen through two Services (two groups): one identity, `__meta_*` labels differ. */
const GROUPS: TargetGroup[] = [
  {
    source: 'service/web',
    labels: { __meta_kubernetes_service_name: 'web' },
    targets: [{ __address__: '10.0.0.7:8080', __meta_kubernetes_pod_node_name: 'node-b' }],
  },
  {
    source: 'service/api',
    labels: { __meta_kubernetes_service_name: 'api' },
    targets: [{ __address__: '10.0.0.7:8080', __meta_kubernetes_pod_node_name: 'node-b' }],
  },
  {
    source: 'service/unnoded',
    labels: { __meta_kubernetes_service_name: 'aaa' },
    targets: [{ __address__: '10.0.0.7:8080' }],
  },
];

async function servedLabels(groups: readonly TargetGroup[]): Promise<unknown> {
  const view = new Allocator({ strategy: createStrategy('consistent-hashing') });
  view.setCollectors([{ id: 'col-0' }]);
  view.setJobTargets('app', buildTargets(settings, groups));
  const server = idleAllocatorServer(undefined, { view });
  await server.start();
  running.push(server);
  const { port } = server.httpAddress();
  const res = await fetch(`http://127.0.0.1:${port}/jobs/app/targets?collector_id=col-0`);
  return res.json();
}

describe('duplicate targets', () => {
  it('serves one target with the labels the rule prefers: same address, a known node first, then the smaller label set', async () => {
    const expected = [
      {
        targets: ['10.0.0.7:8080'],
        labels: {
          __address__: '10.0.0.7:8080',
          __meta_kubernetes_pod_node_name: 'node-b',
          // `api` < `web`; `aaa` has no node, so it comes after both.
          __meta_kubernetes_service_name: 'api',
        },
      },
    ];
    const orders = [GROUPS, [...GROUPS].reverse(), [GROUPS[2]!, GROUPS[0]!, GROUPS[1]!]];
    for (const order of orders) expect(await servedLabels(order)).toEqual(expected);
  });
});
