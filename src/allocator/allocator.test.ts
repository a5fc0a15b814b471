import { describe, expect, it } from 'vitest';
import { collectors, target, targets } from './allocation/target-fixtures.js';
import { Allocator, type AllocationTiming } from './allocator.js';
import type { Target } from './model.js';
import { createStrategy } from './strategies/registry.js';

function allocator(onTiming?: (t: AllocationTiming) => void, now?: () => number): Allocator {
  return new Allocator({ strategy: createStrategy('consistent-hashing'), onTiming, now });
}

describe('Allocator', () => {
  it('keeps a surviving target on its collector and serves its fresh labels', () => {
    const a = allocator();
    a.setCollectors(collectors(5));
    const all = targets('pods', 100);
    a.setJobTargets('pods', all);
    const old = all[42]!;
    const owner = a.collectorOf('pods', old.id)!;
    const fresh = { ...old, labels: { ...old.labels, __meta_kubernetes_pod_ready: 'false' } };
    const version = a.jobVersion('pods');
    a.setJobTargets(
      'pods',
      all.map((t) => (t === old ? fresh : t)),
    );
    expect(a.collectorOf('pods', old.id)).toBe(owner);
    expect(a.targetsFor('pods', owner).find((t) => t.id === old.id)).toBe(fresh);
    expect(a.jobVersion('pods')).toBeGreaterThan(version);
  });

  it('holds targets discovered before any collector and places them when collectors appear', () => {
    const a = allocator();
    a.setJobTargets('pods', targets('pods', 50));
    expect(a.unassignedCount()).toBe(50);
    expect(a.jobNames()).toEqual(['pods']);
    a.setCollectors(collectors(3));
    expect(a.unassignedCount()).toBe(0);
    expect([...a.targetCountsByCollector().values()].reduce((x, y) => x + y, 0)).toBe(50);
    a.setCollectors([]);
    expect(a.unassignedCount()).toBe(50);
    expect(a.collectorIds()).toEqual([]);
  });

  it('serves a collector its targets of a job sorted by id, the same list object until something changes', () => {
    const a = allocator();
    a.setCollectors(collectors(2));
    a.setJobTargets('pods', targets('pods', 40).reverse());
    const served = a.targetsFor('pods', 'collector-0');
    const ids = served.map((t) => t.id);
    expect(ids).toEqual([...ids].sort());
    expect(a.targetsFor('pods', 'collector-0')).toBe(served);
    expect(
      a.targetsFor('pods', 'collector-0').length + a.targetsFor('pods', 'collector-1').length,
    ).toBe(40);
    a.setJobTargets('pods', targets('pods', 41));
    expect(a.targetsFor('pods', 'collector-0')).not.toBe(served);
  });

  it('answers unknown jobs and collectors with empty lists', () => {
    const a = allocator();
    a.setCollectors(collectors(2));
    a.setJobTargets('pods', targets('pods', 3));
    expect(a.targetsFor('nope', 'collector-0')).toEqual([]);
    expect(a.targetsFor('pods', 'nope')).toEqual([]);
    expect(a.targetCount('nope')).toBe(0);
  });

  it('keeps one target per id, the same one whatever the input order', () => {
    const a = allocator();
    a.setCollectors(collectors(2));
    const x = target('pods', '10.0.0.2:80', { id: 'same' });
    const y = target('pods', '10.0.0.1:80', { id: 'same' });
    a.setJobTargets('pods', [x, y]);
    const b = allocator();
    b.setCollectors(collectors(2));
    b.setJobTargets('pods', [y, x]);
    expect(a.targetCount('pods')).toBe(1);
    const servedA = a.collectorIds().flatMap((c) => a.targetsFor('pods', c));
    const servedB = b.collectorIds().flatMap((c) => b.targetsFor('pods', c));
    expect(servedA).toEqual([y]);
    expect(servedB).toEqual([y]);
  });

  it('resolves a duplicate id of a known target the same way in either order, placing it again when its address changes', () => {
    const served = (order: 'ab' | 'ba') => {
      const a = allocator();
      a.setCollectors(collectors(3));
      const known = target('pods', '10.0.0.9:80', { id: 'same' });
      a.setJobTargets('pods', [known]);
      const other = target('pods', '10.0.0.1:80', { id: 'same' });
      a.setJobTargets('pods', order === 'ab' ? [known, other] : [other, known]);
      return a.collectorIds().flatMap((c) => a.targetsFor('pods', c));
    };
    expect(served('ab')).toEqual([target('pods', '10.0.0.1:80', { id: 'same' })]);
    expect(served('ba')).toEqual(served('ab'));
  });

  it('keeps the same one of several targets sharing an id and an address whatever the input order', () => {
    // Two Services in one job select the same pod port: one address, one post-relabel identity,
    // different discovered labels (and, for per-node, one of them may not know the node).
    const viaA = target('pods', '10.0.0.1:80', {
      id: 'same',
      labels: { __address__: '10.0.0.1:80', __meta_kubernetes_service_name: 'a' },
    });
    const viaB = target('pods', '10.0.0.1:80', {
      id: 'same',
      labels: { __address__: '10.0.0.1:80', __meta_kubernetes_service_name: 'b' },
      nodeName: 'node-1',
    });
    for (const strategy of ['consistent-hashing', 'per-node'] as const) {
      const served = (input: Target[]): Target[] => {
        const a = new Allocator({ strategy: createStrategy(strategy) });
        a.setCollectors([{ id: 'collector-0', nodeName: 'node-1' }]);
        a.setJobTargets('pods', input);
        return a.collectorIds().flatMap((c) => a.targetsFor('pods', c));
      };
      expect(served([viaA, viaB])).toEqual(served([viaB, viaA]));
      // The one that knows its node wins, so per-node can place it.
      expect(served([viaA, viaB])).toEqual([viaB]);
    }
  });

  it('drops a job whose target list becomes empty, and its version still increases if it returns', () => {
    const a = allocator();
    a.setCollectors(collectors(2));
    a.setJobTargets('a', targets('a', 3));
    a.setJobTargets('b', targets('b', 3));
    const before = a.jobVersion('a');
    a.setJobTargets('a', []);
    expect(a.jobNames()).toEqual(['b']);
    const removed = a.jobVersion('a');
    expect(removed).toBeGreaterThan(before);
    a.setJobTargets('a', targets('a', 1));
    expect(a.jobVersion('a')).toBeGreaterThan(removed);
  });

  it('tells listeners which jobs changed, and nothing when nothing changed', () => {
    const a = allocator();
    a.setCollectors(collectors(2));
    const seen: string[][] = [];
    const off = a.onChange((jobs) => seen.push([...jobs].sort()));
    a.setJobTargets('a', targets('a', 3));
    a.setJobTargets('b', targets('b', 3));
    const version = a.version;
    a.setJobTargets('a', targets('a', 3));
    expect(a.version).toBe(version);
    a.setCollectors(collectors(3));
    expect(seen).toEqual([['a'], ['b'], ['a', 'b']]);
    a.setCollectors(collectors(3).reverse());
    expect(seen).toHaveLength(3);
    off();
    a.setJobTargets('a', []);
    expect(seen).toHaveLength(3);
  });

  it('bumps only the changed job version when one job changes', () => {
    const a = allocator();
    a.setCollectors(collectors(2));
    a.setJobTargets('a', targets('a', 3));
    a.setJobTargets('b', targets('b', 3));
    const b = a.jobVersion('b');
    a.setJobTargets('a', targets('a', 4));
    expect(a.jobVersion('b')).toBe(b);
    a.setCollectors(collectors(3));
    expect(a.jobVersion('b')).toBeGreaterThan(b);
  });

  it('reports each step through the timing hook with the injected clock', () => {
    const timings: AllocationTiming[] = [];
    let clock = 0;
    const a = allocator(
      (t) => timings.push(t),
      () => (clock += 5),
    );
    a.setCollectors(collectors(2));
    a.setJobTargets('pods', targets('pods', 10));
    const onLeaving = a.targetCountsByCollector().get('collector-1');
    a.setCollectors(collectors(1));
    expect(timings.map((t) => [t.method, t.strategy, t.seconds])).toEqual([
      ['SetCollectors', 'consistent-hashing', 0.005],
      ['SetTargets', 'consistent-hashing', 0.005],
      ['SetCollectors', 'consistent-hashing', 0.005],
    ]);
    expect(timings[2]!.moved).toBe(onLeaving);
  });
});
