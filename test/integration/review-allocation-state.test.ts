import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { precedes } from '../../src/allocator/targets/duplicate-targets.js';
import { Allocator } from '../../src/allocator/allocator.js';
import type { Collector, Target } from '../../src/allocator/model.js';
import { createStrategy } from '../../src/allocator/strategies/registry.js';
import type { StrategyOptions } from '../../src/allocator/strategies/strategy.js';

// Random set-targets / set-collectors sequences against a plain model of what must hold after
// each step: no target lost or duplicated, sorted served lists, counts that add up, and a job's
// version that moves whenever any collector's answer for it changed (the HTTP cache relies on it).
const JOBS = ['a', 'b', 'c'] as const;
const COLLECTOR_IDS = ['c0', 'c1', 'c2', 'c3'] as const;

const address = fc.constantFrom(...[1, 2, 3, 4, 5].map((n) => `10.0.0.${n}:80`));
const node = fc.constantFrom(undefined, 'n1', 'n2', 'n3');
const targetOf = (job: string): fc.Arbitrary<Target> =>
  fc
    .record({ n: fc.integer({ min: 0, max: 6 }), address, node, label: fc.constantFrom('x', 'y') })
    .map(({ n, address, node, label }) => ({
      id: `${job}/${n}`,
      job,
      address,
      nodeName: node,
      labels: { __address__: address, l: label },
    }));
type Step =
  | { readonly kind: 'targets'; readonly job: string; readonly targets: Target[] }
  | { readonly kind: 'collectors'; readonly collectors: Collector[] };
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.constantFrom(...JOBS).chain((job) =>
    fc.record({
      kind: fc.constant('targets' as const),
      job: fc.constant(job),
      targets: fc.array(targetOf(job), { maxLength: 8 }),
    }),
  ),
  fc.record({
    kind: fc.constant('collectors' as const),
    collectors: fc.uniqueArray(
      fc.record({ id: fc.constantFrom(...COLLECTOR_IDS), nodeName: node }),
      { selector: (c) => c.id, maxLength: 4 },
    ),
  }),
);

function apply(a: Allocator, s: Step): void {
  if (s.kind === 'targets') a.setJobTargets(s.job, s.targets);
  else a.setCollectors(s.collectors);
}

const answer = (a: Allocator, job: string): string =>
  JSON.stringify(COLLECTOR_IDS.map((c) => a.targetsFor(job, c)));

/** Whether the strategy must place `t` given the pool (per-node: a collector on its node or a fallback). */
function placeable(
  t: Target,
  pool: readonly Collector[],
  name: string,
  options: StrategyOptions,
): boolean {
  if (pool.length === 0) return false;
  if (name !== 'per-node') return true;
  if (t.nodeName === undefined) return options.fallbackStrategy !== undefined;
  return pool.some((c) => c.nodeName === t.nodeName);
}

const STRATEGIES: readonly [string, StrategyOptions][] = [
  ['consistent-hashing', {}],
  ['least-weighted', {}],
  ['least-weighted', { rebalanceOnJoin: true }],
  ['per-node', {}],
  ['per-node', { fallbackStrategy: 'consistent-hashing' }],
  ['per-node', { fallbackStrategy: 'least-weighted' }],
];

describe('allocator state across set-targets and set-collectors sequences', () => {
  for (const [name, options] of STRATEGIES) {
    it(`keeps every target exactly once, sorted, counted and versioned under ${name} ${JSON.stringify(options)}`, () => {
      fc.assert(
        fc.property(fc.array(step, { maxLength: 12 }), (steps) => {
          const a = new Allocator({ strategy: createStrategy(name, options) });
          const model = new Map<string, Map<string, Target>>();
          let pool: readonly Collector[] = [];
          for (const s of steps) {
            const before = new Map(
              JOBS.map((j) => [j, { version: a.jobVersion(j), answer: answer(a, j) }]),
            );
            apply(a, s);
            if (s.kind === 'collectors') pool = s.collectors;
            else {
              const kept = new Map<string, Target>();
              for (const t of s.targets) {
                const other = kept.get(t.id);
                if (other === undefined || precedes(t, other)) kept.set(t.id, t);
              }
              if (kept.size > 0) model.set(s.job, kept);
              else model.delete(s.job);
            }
            let total = 0;
            for (const job of JOBS) {
              const expected = model.get(job) ?? new Map<string, Target>();
              total += expected.size;
              expect(a.targetCount(job)).toBe(expected.size);
              const served = new Map<string, string>();
              for (const c of a.collectorIds()) {
                const ids = a.targetsFor(job, c).map((t) => t.id);
                expect(ids).toEqual([...ids].sort());
                for (const t of a.targetsFor(job, c)) {
                  expect(served.has(t.id)).toBe(false);
                  served.set(t.id, c);
                  expect(t).toBe(expected.get(t.id));
                }
              }
              for (const t of expected.values()) {
                expect(served.has(t.id)).toBe(placeable(t, pool, name, options));
                const owner = pool.find((c) => c.id === served.get(t.id));
                if (name === 'per-node' && t.nodeName !== undefined && owner !== undefined)
                  expect(owner.nodeName).toBe(t.nodeName);
              }
              const was = before.get(job)!;
              if (answer(a, job) !== was.answer)
                expect(a.jobVersion(job)).toBeGreaterThan(was.version);
            }
            const assigned = [...a.targetCountsByCollector().values()].reduce((x, y) => x + y, 0);
            expect(assigned + a.unassignedCount()).toBe(total);
            expect(a.jobNames()).toEqual(JOBS.filter((j) => model.has(j)));
            // The same step again changes nothing, so no version moves (no needless cache misses).
            const version = a.version;
            apply(a, s);
            expect(a.version).toBe(version);
          }
        }),
        { numRuns: 100 },
      );
    });
  }
});
