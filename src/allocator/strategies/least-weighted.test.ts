import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { collectors, targets } from '../allocation/target-fixtures.js';
import { Allocator } from '../allocator.js';
import type { Target } from '../model.js';
import { LeastWeightedStrategy } from './least-weighted.js';
import { createStrategy } from './registry.js';

function allocator(rebalanceOnJoin = false): Allocator {
  return new Allocator({ strategy: new LeastWeightedStrategy(rebalanceOnJoin) });
}

const countsOf = (a: Allocator): number[] => [...a.targetCountsByCollector().values()];
const assignment = (a: Allocator, all: readonly Target[]): (string | undefined)[] =>
  all.map((t) => a.collectorOf(t.job, t.id));

describe('least-weighted', () => {
  it('spreads each job evenly, not only the totals', () => {
    const a = allocator();
    a.setCollectors(collectors(3));
    a.setJobTargets('a', targets('a', 9));
    a.setJobTargets('b', targets('b', 6));
    for (const c of a.collectorIds()) {
      expect(a.targetsFor('a', c)).toHaveLength(3);
      expect(a.targetsFor('b', c)).toHaveLength(2);
    }
  });

  it('sends a new target to the collector with the fewest targets, then fewest of its job, then the smallest id', () => {
    const a = allocator();
    a.setCollectors(collectors(2));
    a.setJobTargets('a', targets('a', 1));
    expect(a.targetsFor('a', 'collector-0')).toHaveLength(1);
    a.setJobTargets('b', targets('b', 1));
    expect(a.targetsFor('b', 'collector-1')).toHaveLength(1);
    // Totals tie at one each; collector-1 has none of job a, so the next a-target goes there.
    a.setJobTargets('a', targets('a', 2));
    expect(a.targetsFor('a', 'collector-1')).toHaveLength(1);
  });

  it('is sticky: a joining collector takes no existing targets, only new ones', () => {
    const a = allocator();
    a.setCollectors(collectors(3));
    const first = targets('a', 30);
    a.setJobTargets('a', first);
    const before = assignment(a, first);
    a.setCollectors(collectors(4));
    expect(assignment(a, first)).toEqual(before);
    a.setJobTargets('a', targets('a', 33));
    expect(a.targetsFor('a', 'collector-3')).toHaveLength(3);
  });

  it('re-places the targets of a removed collector and leaves the others where they are', () => {
    const a = allocator();
    a.setCollectors(collectors(4));
    const all = targets('a', 40);
    a.setJobTargets('a', all);
    const before = assignment(a, all);
    a.setCollectors(collectors(4).filter((c) => c.id !== 'collector-2'));
    const after = assignment(a, all);
    after.forEach((collector, i) => {
      if (before[i] !== 'collector-2') expect(collector).toBe(before[i]);
      else expect(collector).not.toBe('collector-2');
    });
    expect(countsOf(a).sort()).toEqual([13, 13, 14]);
  });

  it('with rebalanceOnJoin moves the fewest targets needed to level a joining collector', () => {
    const a = allocator(true);
    a.setCollectors(collectors(3));
    const all = [...targets('a', 30), ...targets('b', 15, 100)];
    a.setJobTargets('a', all.slice(0, 30));
    a.setJobTargets('b', all.slice(30));
    const before = assignment(a, all);
    a.setCollectors(collectors(4));
    const moved = assignment(a, all).filter((c, i) => c !== before[i]).length;
    // 45 targets on 4 collectors: the newcomer needs floor(45/4) = 11, and nothing else moves.
    expect(moved).toBe(11);
    expect(a.targetCountsByCollector().get('collector-3')).toBe(11);
    expect(Math.max(...countsOf(a)) - Math.min(...countsOf(a))).toBeLessThanOrEqual(1);
    // It takes from both jobs, keeping each job spread too.
    expect(a.targetsFor('a', 'collector-3').length).toBeGreaterThanOrEqual(7);
    expect(a.targetsFor('b', 'collector-3').length).toBeGreaterThanOrEqual(3);
  });

  it('places one batch the same way whatever order it arrives in', () => {
    const all = targets('a', 50);
    const one = allocator();
    one.setCollectors(collectors(7));
    one.setJobTargets('a', all);
    const two = allocator();
    two.setCollectors([...collectors(7)].reverse());
    two.setJobTargets('a', [...all].reverse());
    expect(assignment(two, all)).toEqual(assignment(one, all));
  });

  it('gives identical assignments when each update lists its targets in another order', () => {
    const pool = collectors(5);
    const steps = fc.array(fc.tuple(fc.constantFrom('a', 'b'), fc.integer({ min: 0, max: 30 })), {
      minLength: 1,
      maxLength: 6,
    });
    fc.assert(
      fc.property(steps, fc.integer(), (updates, seed) => {
        const one = allocator(true);
        const two = allocator(true);
        one.setCollectors(pool);
        two.setCollectors([...pool].reverse());
        for (const [job, count] of updates) {
          const list = targets(job, count);
          one.setJobTargets(job, list);
          // A deterministic shuffle: rotate by the seed, then reverse.
          const k = Math.abs(seed) % (list.length || 1);
          two.setJobTargets(job, [...list.slice(k), ...list.slice(0, k)].reverse());
        }
        const all = [...targets('a', 30), ...targets('b', 30)];
        expect(assignment(two, all)).toEqual(assignment(one, all));
      }),
      { numRuns: 100 },
    );
  });

  it('keeps a target on its collector when only its pre-relabel address or node changes', () => {
    // Same id (same post-relabel labels), new discovered address or node: upstream keeps the
    // collector, and sticky placement must not move it to whichever collector is lightest now.
    const a = allocator();
    a.setCollectors(collectors(2));
    const all = targets('a', 6);
    a.setJobTargets('a', all);
    const kept = all.filter((t) => a.collectorOf('a', t.id) === 'collector-0');
    a.setJobTargets('a', kept);
    expect(countsOf(a)).toEqual([3, 0]);
    const [first, ...rest] = kept;
    a.setJobTargets('a', [{ ...first!, address: '10.9.9.9:8080' }, ...rest]);
    expect(a.collectorOf('a', first!.id)).toBe('collector-0');
    a.setJobTargets('a', [{ ...first!, address: '10.9.9.9:8080', nodeName: 'node-1' }, ...rest]);
    expect(a.collectorOf('a', first!.id)).toBe('collector-0');
    expect(a.targetsFor('a', 'collector-0').find((t) => t.id === first!.id)?.nodeName).toBe(
      'node-1',
    );
    expect(countsOf(a)).toEqual([3, 0]);
  });

  it('under per-node, keeps a node-less target on its fallback collector when its address changes', () => {
    const a = new Allocator({
      strategy: createStrategy('per-node', { fallbackStrategy: 'least-weighted' }),
    });
    a.setCollectors(collectors(2));
    const all = targets('a', 6);
    a.setJobTargets('a', all);
    const kept = all.filter((t) => a.collectorOf('a', t.id) === 'collector-0');
    a.setJobTargets('a', kept);
    const [first, ...rest] = kept;
    a.setJobTargets('a', [{ ...first!, address: '10.9.9.9:8080' }, ...rest]);
    expect(a.collectorOf('a', first!.id)).toBe('collector-0');
  });

  it('holds targets known before any collector and places them when collectors appear', () => {
    const a = allocator();
    a.setJobTargets('a', targets('a', 10));
    expect(a.unassignedCount()).toBe(10);
    a.setCollectors(collectors(2));
    expect(a.unassignedCount()).toBe(0);
    expect(countsOf(a)).toEqual([5, 5]);
  });
});
