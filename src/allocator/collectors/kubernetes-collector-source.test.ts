import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../observability/logger.js';
import { ManualClock } from '../discovery/manual-clock.js';
import type { ListWatchSource } from '../../k8s/list-watch.js';
import type { Pod } from '../discovery/kubernetes/kube-types.js';
import { gatedList, MemoryCollection } from '../discovery/kubernetes/memory-list-watch.js';
import type { Collector } from '../model.js';
import { KubernetesCollectorSource, allocatableUntil } from './kubernetes-collector-source.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();

function collectorPod(
  name: string,
  options: { node?: string; running?: boolean; ready?: boolean; since?: number } = {},
): Pod {
  return {
    metadata: { name, namespace: 'obs', creationTimestamp: iso(T0 - 60_000) },
    spec: options.node === undefined ? {} : { nodeName: options.node },
    status: {
      phase: options.running === false ? 'Pending' : 'Running',
      conditions: [
        {
          type: 'Ready',
          status: options.ready === false ? 'False' : 'True',
          lastTransitionTime: iso(options.since ?? T0 - 60_000),
        },
      ],
    },
  };
}

const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('KubernetesCollectorSource', () => {
  let source: KubernetesCollectorSource | undefined;
  afterEach(async () => source?.stop());

  function setup(gracePeriodMs = 30_000): {
    pods: MemoryCollection<Pod>;
    clock: ManualClock;
    emitted: (readonly Collector[])[];
    start: () => Promise<void>;
  } {
    const pods = new MemoryCollection<Pod>();
    const clock = new ManualClock();
    clock.advance(T0);
    const emitted: (readonly Collector[])[] = [];
    source = new KubernetesCollectorSource({ pods, clock, logger: silentLogger(), gracePeriodMs });
    return {
      pods,
      clock,
      emitted,
      start: async () => {
        await source!.start((c) => emitted.push(c));
        await flush();
      },
    };
  }

  it('emits scheduled pods as collectors named by pod, with their node, sorted, in one emission', async () => {
    const { pods, emitted, start } = setup();
    pods.put(collectorPod('c-2', { node: 'n2' }));
    pods.put(collectorPod('c-1', { node: 'n1' }));
    pods.put(collectorPod('c-unscheduled'));
    await start();
    expect(emitted).toEqual([
      [
        { id: 'c-1', nodeName: 'n1' },
        { id: 'c-2', nodeName: 'n2' },
      ],
    ]);
  });

  it('leaves terminating pods out (they got SIGTERM) and marks StatefulSet pods as returning with the same name', async () => {
    const { pods, emitted, start } = setup();
    const sts = collectorPod('c-0', { node: 'n1' });
    sts.metadata!.ownerReferences = [
      { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'c', uid: 'u' },
    ];
    pods.put(sts);
    const terminating = collectorPod('c-1', { node: 'n1' });
    terminating.metadata!.deletionTimestamp = iso(T0);
    pods.put(terminating);
    await start();
    expect(emitted).toEqual([[{ id: 'c-0', nodeName: 'n1', returnsWithSameId: true }]]);
  });

  it('emits again on add and delete, coalescing a burst, and not at all for a change that keeps the pool', async () => {
    const { pods, emitted, start } = setup();
    pods.put(collectorPod('c-1', { node: 'n1' }));
    await start();
    pods.put(collectorPod('c-2', { node: 'n1' }));
    pods.put(collectorPod('c-3', { node: 'n2' }));
    await flush();
    expect(emitted.map((e) => e.map((c) => c.id))).toEqual([['c-1'], ['c-1', 'c-2', 'c-3']]);
    pods.put({
      ...collectorPod('c-3', { node: 'n2' }),
      metadata: { name: 'c-3', namespace: 'obs', labels: { x: 'y' } },
    });
    await flush();
    expect(emitted).toHaveLength(2);
    pods.remove('obs/c-2');
    await flush();
    expect(emitted.at(-1)?.map((c) => c.id)).toEqual(['c-1', 'c-3']);
  });

  it('keeps a not-ready pod for the grace period, then drops it when the timer fires, and takes it back when ready', async () => {
    const { pods, clock, emitted, start } = setup(30_000);
    pods.put(collectorPod('c-1', { node: 'n1' }));
    pods.put(collectorPod('c-2', { node: 'n1', ready: false, since: T0 - 10_000 }));
    await start();
    expect(emitted.at(-1)?.map((c) => c.id)).toEqual(['c-1', 'c-2']);
    clock.advance(19_999);
    expect(emitted).toHaveLength(1);
    clock.advance(1);
    expect(emitted.at(-1)?.map((c) => c.id)).toEqual(['c-1']);
    pods.put(collectorPod('c-2', { node: 'n1', ready: true, since: clock.now() }));
    await flush();
    expect(emitted.at(-1)?.map((c) => c.id)).toEqual(['c-1', 'c-2']);
  });

  it('drops at once a pod not ready for longer than the grace period, and never with the grace period 0', async () => {
    const stale = collectorPod('c-old', {
      node: 'n1',
      running: false,
      ready: false,
      since: T0 - 3_600_000,
    });
    const a = setup(30_000);
    a.pods.put(stale);
    a.pods.put(collectorPod('c-1', { node: 'n1' }));
    await a.start();
    expect(a.emitted.at(-1)?.map((c) => c.id)).toEqual(['c-1']);
    await source?.stop();
    const b = setup(0);
    b.pods.put(stale);
    await b.start();
    expect(b.emitted.at(-1)?.map((c) => c.id)).toEqual(['c-old']);
  });
});

describe('allocatableUntil', () => {
  it('counts from the Ready transition, or from creation without a Ready condition', () => {
    expect(allocatableUntil(collectorPod('a', { node: 'n' }), 30_000)).toBeUndefined();
    expect(allocatableUntil(collectorPod('a', { ready: false, since: T0 }), 30_000)).toBe(
      T0 + 30_000,
    );
    const noCondition: Pod = {
      metadata: { name: 'a', creationTimestamp: iso(T0) },
      status: { phase: 'Pending' },
    };
    expect(allocatableUntil(noCondition, 5_000)).toBe(T0 + 5_000);
  });
});

describe('KubernetesCollectorSource start (the pool known before the allocator says ready)', () => {
  /** The memory collection behind a list that answers only when the test opens the gate. */
  function gatedPods(): {
    pods: MemoryCollection<Pod>;
    source: ListWatchSource<Pod>;
    open: () => void;
  } {
    const pods = new MemoryCollection<Pod>();
    return { pods, ...gatedList(pods) };
  }

  it('resolves start only after the first list, with the pool already emitted', async () => {
    const { pods, source, open } = gatedPods();
    pods.put(collectorPod('c-1', { node: 'n1' }));
    const emitted: (readonly Collector[])[] = [];
    const s = new KubernetesCollectorSource({
      pods: source,
      clock: new ManualClock(),
      logger: silentLogger(),
      gracePeriodMs: 0,
    });
    let started = false;
    const starting = s.start((c) => emitted.push(c)).then(() => (started = true));
    await flush();
    expect(started).toBe(false);
    open();
    await starting;
    expect(emitted).toEqual([[{ id: 'c-1', nodeName: 'n1' }]]);
    await s.stop();
  });

  it('emits an empty pool when the selector matches no pod, so start never waits for a pod to appear', async () => {
    const { source, open } = gatedPods();
    open();
    const emitted: (readonly Collector[])[] = [];
    const s = new KubernetesCollectorSource({
      pods: source,
      clock: new ManualClock(),
      logger: silentLogger(),
      gracePeriodMs: 0,
    });
    await s.start((c) => emitted.push(c));
    expect(emitted).toEqual([[]]);
    await s.stop();
  });

  it('lets stop end a start that still waits for an unreachable API server', async () => {
    const { source } = gatedPods();
    const s = new KubernetesCollectorSource({
      pods: source,
      clock: new ManualClock(),
      logger: silentLogger(),
      gracePeriodMs: 0,
    });
    const emitted: (readonly Collector[])[] = [];
    const starting = s.start((c) => emitted.push(c));
    await flush();
    await s.stop();
    await starting;
    expect(emitted).toEqual([]);
  });
});
