import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Allocator } from '../../src/allocator/allocator.js';
import type { Collector, Target } from '../../src/allocator/model.js';
import { createStrategy } from '../../src/allocator/strategies/registry.js';
import type { StrategyOptions } from '../../src/allocator/strategies/strategy.js';

// Several allocator replicas see the same discovery in their own order and history; the
// history-free strategies must serve every collector the same targets (same label sets too).
const JOBS = ['a', 'b', 'c'] as const;
const COLLECTOR_IDS = ['c0', 'c1', 'c2', 'c3'] as const;

const address = fc.constantFrom(...[1, 2, 3, 4, 5, 6, 7].map((n) => `10.0.0.${n}:80`));
const node = fc.constantFrom(undefined, 'n1', 'n2', 'n3');
// Few ids and addresses, so duplicates (one id, several discovered targets) are frequent.
const targetOf = (job: string): fc.Arbitrary<Target> =>
  fc
    .record({ n: fc.integer({ min: 0, max: 6 }), address, node, via: fc.constantFrom('x', 'y') })
    .map(({ n, address, node, via }) => ({
      id: `${job}/${n}`,
      job,
      address,
      nodeName: node,
      labels: { __address__: address, __meta_kubernetes_service_name: via },
    }));
interface SetTargets {
  readonly kind: 'targets';
  readonly job: string;
  readonly targets: Target[];
}
interface SetCollectors {
  readonly kind: 'collectors';
  readonly collectors: Collector[];
}
const setTargets: fc.Arbitrary<SetTargets> = fc.constantFrom(...JOBS).chain((job) =>
  fc.record({
    kind: fc.constant('targets' as const),
    job: fc.constant(job),
    targets: fc.array(targetOf(job), { maxLength: 8 }),
  }),
);
const setCollectors: fc.Arbitrary<SetCollectors> = fc.record({
  kind: fc.constant('collectors' as const),
  collectors: fc.uniqueArray(fc.record({ id: fc.constantFrom(...COLLECTOR_IDS), nodeName: node }), {
    selector: (c) => c.id,
    maxLength: 4,
  }),
});

function served(a: Allocator): string {
  const lists = JOBS.map((job) => COLLECTOR_IDS.map((c) => a.targetsFor(job, c)));
  return JSON.stringify({ lists, unassigned: a.unassignedCount() });
}

const HISTORY_FREE: readonly [string, StrategyOptions][] = [
  ['consistent-hashing', {}],
  ['consistent-hashing', { loadBound: 1 }],
  ['per-node', {}],
  ['per-node', { fallbackStrategy: 'consistent-hashing' }],
];

describe('allocator replicas', () => {
  for (const [name, options] of HISTORY_FREE) {
    it(`agree under ${name} ${JSON.stringify(options)} whatever the history and input order`, () => {
      fc.assert(
        fc.property(
          fc.array(fc.oneof(setTargets, setCollectors), { maxLength: 10 }),
          setCollectors,
          (history, pool) => {
            const seasoned = new Allocator({ strategy: createStrategy(name, options) });
            const latest = new Map<string, Target[]>();
            for (const step of history) {
              if (step.kind === 'collectors') seasoned.setCollectors(step.collectors);
              else {
                seasoned.setJobTargets(step.job, step.targets);
                latest.set(step.job, step.targets);
              }
            }
            seasoned.setCollectors(pool.collectors);
            const fresh = new Allocator({ strategy: createStrategy(name, options) });
            fresh.setCollectors([...pool.collectors].reverse());
            for (const job of [...JOBS].reverse())
              fresh.setJobTargets(job, [...(latest.get(job) ?? [])].reverse());
            expect(served(fresh)).toBe(served(seasoned));
          },
        ),
        { numRuns: 300 },
      );
    });
  }

  it('never move a target under consistent-hashing when only its labels change', () => {
    fc.assert(
      fc.property(fc.array(targetOf('a'), { maxLength: 12 }), setCollectors, (list, pool) => {
        const a = new Allocator({ strategy: createStrategy('consistent-hashing') });
        a.setCollectors(pool.collectors);
        a.setJobTargets('a', list);
        const owners = (): (string | undefined)[] => list.map((t) => a.collectorOf('a', t.id));
        const before = owners();
        a.setJobTargets(
          'a',
          list.map((t) => ({
            ...t,
            labels: { ...t.labels, __meta_kubernetes_pod_ready: 'false' },
          })),
        );
        expect(owners()).toEqual(before);
      }),
      { numRuns: 200 },
    );
  });
});
