/**
 * The floor under `full_allocate_ms`: the work a full allocation of bench:allocation's fixture
 * cannot skip, written by hand for exactly that fixture's relabel rules, with nothing general
 * left: no rule interpreter, no label workspace, no group plans, no balancing, no change tracking.
 *
 * Per discovered target: the `drop` on the port name, the `__address__` rewrite (V8's regex and
 * the `$1:$2` template), the identity (the same 64-bit label-set hash the pipeline uses, over the
 * job, the seeds, the group's static labels and the target's address, pod and node), dedup in the
 * job's map by identity (the map a later diff of the job needs), one record; then the placement
 * key by pre-relabel address in one map over all jobs, the rendezvous pick among the collectors
 * and an append to the collector's list. The run checks that it keeps exactly the targets, with
 * exactly the ids, that the real pipeline (`buildTargets`) does, so the two do the same work.
 *
 *   npx tsx bench/allocation-floor.ts [--runs 9] [--json]
 *
 * Prints one JSON object: the medians (and minimums) of the whole run and of its two halves.
 */
import { parseArgs } from 'node:util';
import type { Labels, TargetGroup } from '../src/allocator/model.js';
import { hashString, topChoice } from '../src/allocator/strategies/rendezvous-hash.js';
import {
  buildTargets,
  IdentityHasher,
  scrapeJobSettingsFromConfig,
} from '../src/allocator/targets/index.js';
import { hashedName, sumOf } from '../src/allocator/targets/target-identity.js';
import { RELABEL_CONFIGS, endpointSliceGroups } from './endpointslice-fixture.js';

const { values } = parseArgs({
  options: {
    targets: { type: 'string', default: '100000' },
    collectors: { type: 'string', default: '50' },
    jobs: { type: 'string', default: '10' },
    runs: { type: 'string', default: '9' },
    json: { type: 'boolean', default: false },
  },
});
const jobCount = Number(values.jobs);
const collectorCount = Number(values.collectors);
const runs = Number(values.runs);

// The same fixture as bench:allocation with its defaults.
const groupsByJob = endpointSliceGroups({
  jobs: jobCount,
  targetsPerJob: Math.ceil(Number(values.targets) / jobCount),
  nodes: collectorCount,
  seed: 42,
});
const seeds = new Int32Array(
  Array.from({ length: collectorCount }, (_, i) => hashString(`collector-${i}`)),
);
const jobSettings = groupsByJob.map((_, j) =>
  scrapeJobSettingsFromConfig(
    { job_name: `job-${j}`, relabel_configs: RELABEL_CONFIGS },
    { scrape_interval: '30s' },
    { filterByRelabel: true },
  ),
);

const ADDRESS = hashedName('__address__');
const POD = hashedName('pod');
const NODE = hashedName('node');
const DROPPED_PORTS = new Set(['grpc', 'health']);
// RELABEL_CONFIGS[4]'s regex as Prometheus anchors it, in V8 syntax.
const ADDRESS_REWRITE = /^(?:([^:]+)(?::\d+)?;(\d+))$/su;

interface FloorTarget {
  readonly id: string;
  readonly job: string;
  readonly address: string;
  readonly own: Labels;
  readonly group: Labels;
  readonly nodeName: string | undefined;
  collector: number;
}

interface AddressKey {
  readonly address: string;
  readonly hash: number;
  readonly collector: number;
}

/** The rules of RELABEL_CONFIGS that read only group labels, and the identity of what they leave. */
function staticPart(job: number, group: Labels): ReturnType<typeof sumOf> | undefined {
  if (group.__meta_kubernetes_service_annotation_prometheus_io_scrape !== 'true') return undefined;
  // The scheme and path rules match nothing here (no such annotations); labelmap, namespace, service.
  const labels: [string, string][] = Object.entries(jobSettings[job]!.seedLabels);
  labels.push([
    'app_kubernetes_io_name',
    group.__meta_kubernetes_service_label_app_kubernetes_io_name!,
  ]);
  labels.push(['namespace', group.__meta_kubernetes_namespace!]);
  labels.push(['service', group.__meta_kubernetes_service_name!]);
  return sumOf(labels);
}

interface Run {
  buildMs: number;
  placeMs: number;
  kept: FloorTarget[][];
}

function once(): Run {
  const hasher = new IdentityHasher();
  const kept: FloorTarget[][] = [];
  const started = performance.now();
  for (let j = 0; j < groupsByJob.length; j++) {
    const job = `job-${j}`;
    const byId = new Map<string, FloorTarget>();
    for (const group of groupsByJob[j]!) {
      const sum = staticPart(j, group.labels);
      if (sum === undefined) continue;
      const port = group.labels.__meta_kubernetes_service_annotation_prometheus_io_port ?? '';
      for (const own of group.targets) {
        const address = own.__address__;
        if (address === undefined) continue;
        if (DROPPED_PORTS.has(own.__meta_kubernetes_endpointslice_port_name ?? '')) continue;
        const match = ADDRESS_REWRITE.exec(`${address};${port}`);
        hasher.begin(job);
        hasher.addSum(sum);
        hasher.addNamed(ADDRESS, match === null ? address : `${match[1]!}:${match[2]!}`);
        hasher.addNamed(POD, own.__meta_kubernetes_pod_name!);
        hasher.addNamed(NODE, own.__meta_kubernetes_pod_node_name!);
        const id = hasher.digest();
        if (byId.has(id)) continue;
        byId.set(id, {
          id,
          job,
          address,
          own,
          group: group.labels,
          nodeName: own.__meta_kubernetes_endpointslice_endpoint_node_name,
          collector: -1,
        });
      }
    }
    kept.push([...byId.values()]);
  }
  const built = performance.now();
  const byAddress = new Map<string, AddressKey>();
  const perCollector: FloorTarget[][] = Array.from({ length: collectorCount }, () => []);
  for (const targets of kept) {
    for (const target of targets) {
      let key = byAddress.get(target.address);
      if (key === undefined) {
        const hash = hashString(target.address);
        key = { address: target.address, hash, collector: topChoice(hash, seeds) };
        byAddress.set(target.address, key);
      }
      target.collector = key.collector;
      perCollector[key.collector]!.push(target);
    }
  }
  const placed = performance.now();
  return { buildMs: built - started, placeMs: placed - built, kept };
}

/** The floor must do the pipeline's work: the same targets kept, with the same ids. */
function sameAsPipeline(kept: readonly FloorTarget[][]): boolean {
  return groupsByJob.every((groups: TargetGroup[], j) => {
    const real = buildTargets(jobSettings[j]!, groups).map((t) => t.id);
    const floor = kept[j]!.map((t) => t.id);
    return real.length === floor.length && real.every((id, i) => id === floor[i]);
  });
}

const results = Array.from({ length: runs }, once);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number): number => Number(x.toFixed(1));
const totals = results.map((r) => r.buildMs + r.placeMs);
const result = {
  targets: results[0]!.kept.reduce((n, t) => n + t.length, 0),
  collectors: collectorCount,
  jobs: jobCount,
  floor_ms_median: round(median(totals)),
  floor_ms_min: round(Math.min(...totals)),
  floor_build_ms_median: round(median(results.map((r) => r.buildMs))),
  floor_place_ms_median: round(median(results.map((r) => r.placeMs))),
  matches_pipeline: sameAsPipeline(results[0]!.kept),
  node: process.version,
};
process.stdout.write(`${JSON.stringify(result, null, values.json ? undefined : 2)}\n`);
