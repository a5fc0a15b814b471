/**
 * Benchmark of Kubernetes discovery's object -> target group conversion and of the provider's
 * incremental path (one pod update among many), on in-memory collections. Prints JSON.
 * Run: `npx tsx src/allocator/discovery/kubernetes/kubernetes-sd.bench.ts [pods]`
 */
import { silentLogger } from '../../../observability/logger.js';
import type { KubeObject } from '../../../k8s/object.js';
import type { KubeApi } from '../../../k8s/rest-client.js';
import type { TargetGroup } from '../../model.js';
import { buildEndpointSliceGroup } from './endpointslice-role.js';
import type { EndpointSlice, Pod } from './kube-types.js';
import { createKubernetesSdFactory } from './kubernetes-sd-provider.js';
import { MemoryCollection } from './memory-list-watch.js';
import { buildPodGroup } from './pod-role.js';

const PODS = Number(process.argv[2] ?? 10_000);

function pod(i: number, version = 1): Pod {
  return {
    metadata: {
      name: `app-${i}`,
      namespace: `ns-${i % 20}`,
      uid: `uid-${i}`,
      labels: { app: `app-${i % 50}`, 'app.kubernetes.io/version': String(version) },
      annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080' },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: `rs-${i % 50}`,
          uid: 'u',
          controller: true,
        },
      ],
    },
    spec: {
      nodeName: `node-${i % 100}`,
      containers: [
        { name: 'app', image: 'app:1', ports: [{ name: 'metrics', containerPort: 8080 }] },
      ],
    },
    status: { phase: 'Running', podIP: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
  };
}

function ms(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const pods = Array.from({ length: PODS }, (_, i) => pod(i));
let t = process.hrtime.bigint();
let targets = 0;
for (const p of pods) targets += buildPodGroup(p).targets.length;
const podBuildMs = ms(t);

const byName = new Map(pods.map((p) => [`${p.metadata?.namespace}/${p.metadata?.name}`, p]));
const slices: EndpointSlice[] = [];
for (let s = 0; s < PODS / 100; s++) {
  slices.push({
    metadata: {
      name: `s-${s}`,
      namespace: 'ns-0',
      labels: { 'kubernetes.io/service-name': 'web' },
    },
    addressType: 'IPv4',
    ports: [{ name: 'metrics', port: 8080 }],
    endpoints: pods.slice(s * 100, s * 100 + 100).map((p) => ({
      addresses: [p.status?.podIP ?? ''],
      conditions: { ready: true },
      targetRef: { kind: 'Pod', name: p.metadata?.name, namespace: p.metadata?.namespace },
    })),
  });
}
t = process.hrtime.bigint();
for (const s of slices) {
  buildEndpointSliceGroup(s, { pods: (k) => byName.get(k), services: () => undefined });
}
const sliceBuildMs = ms(t);

// The provider: initial list of all pods, then one pod update re-emits one group.
const collection = new MemoryCollection<KubeObject>();
for (const p of pods) collection.put(p);
const noApi: KubeApi = {
  request: () => Promise.reject(new Error('in memory')),
  watch: () => Promise.reject(new Error('in memory')),
};
const provider = createKubernetesSdFactory({
  connect: () => Promise.resolve(noApi),
  listWatch: () => () => collection,
})({ role: 'pod' }, { job: 'bench', index: 0, logger: silentLogger(), baseDir: '/' });
let emitted: readonly TargetGroup[] = [];
let resolveNext: () => void = () => undefined;
const next = (): Promise<void> => new Promise((r) => (resolveNext = r));
let waiting = next();
t = process.hrtime.bigint();
await provider.start((groups) => {
  emitted = groups;
  resolveNext();
});
await waiting;
const initialMs = ms(t);
const initialGroups = emitted.length;
waiting = next();
t = process.hrtime.bigint();
collection.put(pod(7, 2));
await waiting;
const updateMs = ms(t);
const updateGroups = emitted.length;
await provider.stop();

console.log(
  JSON.stringify(
    {
      pods: PODS,
      podTargets: targets,
      podGroupsBuildMs: Math.round(podBuildMs),
      endpointSlices: slices.length,
      endpointsPerSlice: 100,
      endpointSliceBuildMs: Math.round(sliceBuildMs),
      providerInitialListMs: Math.round(initialMs),
      providerInitialGroups: initialGroups,
      providerOneUpdateMs: Number(updateMs.toFixed(3)),
      providerOneUpdateGroups: updateGroups,
    },
    null,
    2,
  ),
);
