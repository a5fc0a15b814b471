/**
 * bench:allocation: builds EndpointSlice-shaped targets through the real target pipeline (relabel
 * filter + identity) and allocator: full allocation, one target changed, a collector joining and
 * leaving, balance and heap per target. Prints the report of bench/report.ts.
 *
 *   npm run bench:allocation -- [--json] [--targets 100000] [--collectors 50] [--jobs 10] [--runs 5]
 *     [--strategy consistent-hashing] [--load-bound F] [--rebalance-on-join] [--fallback NAME]
 *
 * Heap figures need a GC between phases; the script enables it itself (no --expose-gc needed).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Allocator, type AllocationTiming } from '../src/allocator/allocator.js';
import type { Collector, Target, TargetGroup } from '../src/allocator/model.js';
import { createStrategy } from '../src/allocator/strategies/registry.js';
import {
  buildTargets,
  scrapeJobSettingsFromConfig,
  type ScrapeJobSettings,
} from '../src/allocator/targets/index.js';
import { RELABEL_CONFIGS, endpointSliceGroups } from './endpointslice-fixture.js';
import { benchArgs, environment, printReport } from './report.js';

const startedAt = new Date();

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const values = benchArgs({
  targets: { type: 'string', default: '100000' },
  collectors: { type: 'string', default: '50' },
  strategy: { type: 'string', default: 'consistent-hashing' },
  jobs: { type: 'string', default: '10' },
  runs: { type: 'string', default: '5' },
  'load-bound': { type: 'string' },
  'rebalance-on-join': { type: 'boolean', default: false },
  fallback: { type: 'string' },
});
const targetsWanted = Number(values.targets);
const collectorCount = Number(values.collectors);
const jobCount = Number(values.jobs);
const runs = Number(values.runs);
const strategyName = values.strategy;
const strategyOptions = {
  loadBound: values['load-bound'] === undefined ? undefined : Number(values['load-bound']),
  rebalanceOnJoin: values['rebalance-on-join'],
  fallbackStrategy: values.fallback,
};

const heap = (): number => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits = 3): number => Number(x.toFixed(digits));

const collectorsOf = (n: number, nodes: number): Collector[] =>
  Array.from({ length: n }, (_, i) => ({ id: `collector-${i}`, nodeName: `node-${i % nodes}` }));

const heapBefore = heap();
const perJob = Math.ceil(targetsWanted / jobCount);
const groupsByJob = endpointSliceGroups({
  jobs: jobCount,
  targetsPerJob: perJob,
  nodes: collectorCount,
  seed: 42,
});
const settings: ScrapeJobSettings[] = groupsByJob.map((_, j) =>
  scrapeJobSettingsFromConfig(
    { job_name: `job-${j}`, relabel_configs: RELABEL_CONFIGS },
    { scrape_interval: '30s' },
    { filterByRelabel: true },
  ),
);
const discovered = groupsByJob.reduce(
  (n, groups) => n + groups.reduce((m, g) => m + g.targets.length, 0),
  0,
);
const heapAfterGroups = heap();

let timings: AllocationTiming[] = [];
function newAllocator(): Allocator {
  return new Allocator({
    strategy: createStrategy(strategyName, strategyOptions),
    onTiming: (t) => timings.push(t),
  });
}

interface FullRun {
  buildMs: number;
  placeMs: number;
  /** CPU time of the process (all threads, GC included): steadier than wall time on a shared machine. */
  cpuMs: number;
  placeCpuMs: number;
}

/** Full allocation: every job through the target builder and into an allocator that already knows the pool. */
function fullAllocation(allocator: Allocator): FullRun & { jobs: Target[][] } {
  let buildMs = 0;
  let placeMs = 0;
  let placeCpuMs = 0;
  const jobs: Target[][] = [];
  const cpu = process.cpuUsage();
  groupsByJob.forEach((groups: TargetGroup[], j) => {
    const t0 = performance.now();
    const targets = buildTargets(settings[j]!, groups);
    const t1 = performance.now();
    const placeCpu = process.cpuUsage();
    allocator.setJobTargets(`job-${j}`, targets);
    const placeUsed = process.cpuUsage(placeCpu);
    placeMs += performance.now() - t1;
    placeCpuMs += (placeUsed.user + placeUsed.system) / 1000;
    buildMs += t1 - t0;
    jobs.push(targets);
  });
  const used = process.cpuUsage(cpu);
  return { buildMs, placeMs, placeCpuMs, cpuMs: (used.user + used.system) / 1000, jobs };
}

/**
 * One full allocation into a fresh allocator that is then dropped. A function of its own: a
 * top-level local would keep the last allocator (40 MB) alive in the module's frame, and the heap
 * figures below would count it.
 */
function throwawayRun(): FullRun {
  const warm = newAllocator();
  warm.setCollectors(collectorsOf(collectorCount, collectorCount));
  const { buildMs, placeMs, cpuMs, placeCpuMs } = fullAllocation(warm);
  return { buildMs, placeMs, cpuMs, placeCpuMs };
}

const fulls: FullRun[] = [];
for (let r = 0; r < runs - 1; r++) fulls.push(throwawayRun());

// The measured allocator is kept, with its targets and the discovered groups, for the heap figure.
const heapAfterWarmup = heap();
const allocator = newAllocator();
allocator.setCollectors(collectorsOf(collectorCount, collectorCount));
const last = fullAllocation(allocator);
const { jobs, ...lastRun } = last;
fulls.push(lastRun);
const targetCount = jobs.reduce((n, t) => n + t.length, 0);
const heapAfterTargetsAndAllocator = heap();
const allocationOnlyBytes = (() => {
  // Heap held by the allocator alone: the same targets placed a second time into a fresh allocator.
  const before = heap();
  const second = newAllocator();
  second.setCollectors(collectorsOf(collectorCount, collectorCount));
  jobs.forEach((targets, j) => second.setJobTargets(`job-${j}`, targets));
  const bytes = heap() - before;
  if (second.targetCount('job-0') < 0) console.log('unreachable');
  return bytes;
})();

const counts = [...allocator.targetCountsByCollector().values()];
const mean = targetCount / collectorCount;

/** One target more, then one less, in the largest job: the steady-state path (one discovery change). */
interface IncrementalFigures {
  addMs: number;
  removeMs: number;
  addP99Ms: number;
  /** Other targets moved by one add or remove (bounded load making room), worst case over the trials. */
  movedMax: number;
  movedMean: number;
}

/**
 * 200 targets added to the first job one at a time, then removed one at a time: the steady-state
 * path (one discovery change each). Growing and shrinking crosses a few capacity steps of the
 * bounded load, where a change also moves some other targets; `moved_*` measures that.
 */
function incremental(): IncrementalFigures {
  const job = jobs[0]!;
  const adds: number[] = [];
  const removes: number[] = [];
  const extras: Target[] = Array.from({ length: 200 }, (_, i) => {
    const model = job[i % job.length]!;
    return {
      id: `extra-${i}`,
      job: model.job,
      address: `172.16.${i >> 8}.${i & 255}:8080`,
      labels: model.labels,
      nodeName: model.nodeName,
    };
  });
  timings = [];
  for (let i = 1; i <= extras.length; i++) {
    const list = job.concat(extras.slice(0, i));
    const t0 = performance.now();
    allocator.setJobTargets('job-0', list);
    adds.push(performance.now() - t0);
  }
  for (let i = extras.length - 1; i >= 0; i--) {
    const list = job.concat(extras.slice(0, i));
    const t0 = performance.now();
    allocator.setJobTargets('job-0', list);
    removes.push(performance.now() - t0);
  }
  const moved = timings.map((t) => t.moved);
  return {
    addMs: median(adds),
    removeMs: median(removes),
    addP99Ms: [...adds].sort((a, b) => a - b)[Math.floor(adds.length * 0.99)]!,
    movedMax: Math.max(...moved),
    movedMean: moved.reduce((a, b) => a + b, 0) / moved.length,
  };
}
const { addMs, removeMs, addP99Ms, movedMax, movedMean } = incremental();

function collectorChange(collectors: Collector[]): { moved: number; ms: number } {
  timings = [];
  allocator.setCollectors(collectors);
  const step = timings.find((t) => t.method === 'SetCollectors');
  return { moved: step?.moved ?? 0, ms: (step?.seconds ?? 0) * 1000 };
}
const pool = collectorsOf(collectorCount, collectorCount);
const onAdd = collectorChange(collectorsOf(collectorCount + 1, collectorCount));
collectorChange(pool);
const removedId = pool[Math.floor(collectorCount / 2)]!.id;
const onRemovedCollector = allocator.targetCountsByCollector().get(removedId) ?? 0;
const onRemove = collectorChange(pool.filter((c) => c.id !== removedId));

const figures = {
  targets: targetCount,
  discovered,
  full_allocate_ms: round(median(fulls.map((f) => f.buildMs + f.placeMs)), 1),
  full_build_targets_ms: round(median(fulls.map((f) => f.buildMs)), 1),
  full_place_ms: round(median(fulls.map((f) => f.placeMs)), 1),
  full_allocate_first_run_ms: round(fulls[0]!.buildMs + fulls[0]!.placeMs, 1),
  full_allocate_cpu_ms: round(median(fulls.map((f) => f.cpuMs)), 1),
  full_place_cpu_ms: round(median(fulls.map((f) => f.placeCpuMs)), 1),
  incremental_add_one_ms: round(addMs),
  incremental_remove_one_ms: round(removeMs),
  incremental_add_one_p99_ms: round(addP99Ms),
  moved_per_target_change_max: movedMax,
  moved_per_target_change_mean: round(movedMean),
  moved_on_add: onAdd.moved,
  ideal_on_add: Math.round(targetCount / (collectorCount + 1)),
  set_collectors_add_ms: round(onAdd.ms, 1),
  moved_on_remove: onRemove.moved,
  ideal_on_remove: Math.round(targetCount / collectorCount),
  on_removed_collector: onRemovedCollector,
  set_collectors_remove_ms: round(onRemove.ms, 1),
  max_over_mean: round(Math.max(...counts) / mean),
  min_over_mean: round(Math.min(...counts) / mean),
  unassigned: allocator.unassignedCount(),
  // Everything the allocator process holds for the targets: discovered groups, built targets, allocation.
  heap_bytes_per_target: Math.round((heapAfterTargetsAndAllocator - heapBefore) / targetCount),
  heap_bytes_per_target_discovered_groups: Math.round((heapAfterGroups - heapBefore) / targetCount),
  heap_bytes_per_target_builder_caches: Math.round(
    (heapAfterWarmup - heapAfterGroups) / targetCount,
  ),
  heap_bytes_per_target_built_targets: Math.round(
    (heapAfterTargetsAndAllocator - heapAfterWarmup - allocationOnlyBytes) / targetCount,
  ),
  heap_bytes_per_target_allocator: Math.round(allocationOnlyBytes / targetCount),
  heap_used_mb: round(heapAfterTargetsAndAllocator / 2 ** 20, 1),
};

printReport(
  {
    benchmark: 'allocation',
    subject: 'EndpointSlice-shaped targets through relabel filter, identity and placement',
    parameters: {
      strategy: strategyName,
      targets_wanted: targetsWanted,
      jobs: jobCount,
      collectors: collectorCount,
      runs,
      load_bound: strategyOptions.loadBound ?? null,
      rebalance_on_join: strategyOptions.rebalanceOnJoin,
      fallback: strategyOptions.fallbackStrategy ?? null,
    },
    figures,
    environment: environment(startedAt),
  },
  values.json,
);
