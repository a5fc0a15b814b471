import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { collectors, target, targets } from '../allocation/target-fixtures.js';
import { Allocator } from '../allocator.js';
import type { Collector, Target } from '../model.js';
import { ConsistentHashingStrategy } from './consistent-hashing.js';

function allocator(loadBound?: number): Allocator {
  return new Allocator({ strategy: new ConsistentHashingStrategy(loadBound) });
}

function assignment(a: Allocator, all: readonly Target[]): Map<string, string | undefined> {
  return new Map(all.map((t) => [t.id, a.collectorOf(t.job, t.id)]));
}

function moves(
  before: Map<string, string | undefined>,
  after: Map<string, string | undefined>,
): number {
  let moved = 0;
  for (const [id, collector] of before) if (after.get(id) !== collector) moved++;
  return moved;
}

describe('consistent-hashing', () => {
  const all = targets('pods', 10_000);

  it('keeps every collector within 10% of the mean at 15 collectors and 10k targets', () => {
    const a = allocator();
    a.setCollectors(collectors(15));
    a.setJobTargets('pods', all);
    const mean = 10_000 / 15;
    for (const count of a.targetCountsByCollector().values()) {
      expect(count).toBeGreaterThanOrEqual(mean * 0.9);
      expect(count).toBeLessThanOrEqual(mean * 1.1);
    }
    expect(a.unassignedCount()).toBe(0);
  });

  it('moves close to 1/16 of the targets when a 16th collector joins, and only those on a leaving one', () => {
    const a = allocator();
    a.setCollectors(collectors(15));
    a.setJobTargets('pods', all);
    const before = assignment(a, all);
    a.setCollectors(collectors(16));
    const joined = moves(before, assignment(a, all));
    expect(joined).toBeGreaterThan((10_000 / 16) * 0.9);
    expect(joined).toBeLessThan((10_000 / 16) * 1.1);

    const withSixteen = assignment(a, all);
    const leaving = 'collector-7';
    const onLeaving = [...withSixteen.values()].filter((c) => c === leaving).length;
    a.setCollectors(collectors(16).filter((c) => c.id !== leaving));
    expect(moves(withSixteen, assignment(a, all))).toBeLessThan(onLeaving * 1.1);
  });

  it('reassigns every target when every collector is replaced', () => {
    const a = allocator();
    a.setCollectors(collectors(5, 'old'));
    a.setJobTargets('pods', all.slice(0, 500));
    a.setCollectors(collectors(5, 'new'));
    for (const t of all.slice(0, 500)) expect(a.collectorOf('pods', t.id)).toMatch(/^new-/);
  });

  it('does not move a target whose labels change but whose address stays', () => {
    const a = allocator();
    a.setCollectors(collectors(7));
    const first = target('pods', '10.1.2.3:8080', { id: 'before' });
    a.setJobTargets('pods', [first, ...all.slice(0, 300)]);
    const placed = a.collectorOf('pods', 'before');
    // Relabeling changed the identity too: a new id, the same pre-relabel address.
    const relabeled = target('pods', '10.1.2.3:8080', {
      id: 'after',
      labels: { __address__: '10.1.2.3:8080', team: 'b' },
    });
    a.setJobTargets('pods', [relabeled, ...all.slice(0, 300)]);
    expect(a.collectorOf('pods', 'after')).toBe(placed);
  });

  it('places targets that share an address on one collector', () => {
    const a = allocator();
    a.setCollectors(collectors(9));
    const shared = targets('a', 200).concat(targets('b', 200));
    a.setJobTargets('a', shared.slice(0, 200));
    a.setJobTargets('b', shared.slice(200));
    for (const t of shared.slice(0, 200)) {
      expect(a.collectorOf('b', `b/${t.address}`)).toBe(a.collectorOf('a', t.id));
    }
  });

  it('gives identical assignments for the same inputs in any order and any sequence of changes', () => {
    const pool = collectors(12);
    const population = targets('pods', 900);
    const reference = allocator();
    reference.setCollectors(pool);
    reference.setJobTargets('pods', population);
    const expected = assignment(reference, population);
    fc.assert(
      fc.property(
        fc.shuffledSubarray(pool, { minLength: pool.length }),
        fc.shuffledSubarray(population, { minLength: population.length }),
        fc.integer({ min: 1, max: 5 }),
        fc.boolean(),
        (shuffledPool: Collector[], shuffled: Target[], steps: number, targetsFirst: boolean) => {
          const a = allocator();
          if (!targetsFirst) a.setCollectors(shuffledPool.slice(0, 3));
          // Grow the job in several steps, so incremental and from-scratch paths both run.
          for (let s = 1; s <= steps; s++)
            a.setJobTargets('pods', shuffled.slice(0, Math.ceil((shuffled.length * s) / steps)));
          a.setCollectors(shuffledPool);
          expect(assignment(a, population)).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('without a load bound is plain rendezvous hashing and still places everything', () => {
    const a = allocator(Infinity);
    a.setCollectors(collectors(4));
    a.setJobTargets('pods', all.slice(0, 1000));
    expect([...a.targetCountsByCollector().values()].reduce((x, y) => x + y, 0)).toBe(1000);
  });
});
