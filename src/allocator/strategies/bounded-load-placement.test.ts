import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BoundedLoadPlacement,
  newPlacementKey,
  type PlacementKey,
} from './bounded-load-placement.js';
import { hashString } from './rendezvous-hash.js';

const seedsOf = (ids: readonly string[]): Int32Array =>
  new Int32Array(ids.map((id) => hashString(id)));
const keyOf = (text: string): PlacementKey => newPlacementKey(text, hashString(text));
const ignore = (): void => undefined;

/** Places `texts` on `collectors` in one go, from scratch: the reference result. */
function fromScratch(
  texts: readonly string[],
  collectors: readonly string[],
  bound: number,
): Map<string, string> {
  const placement = new BoundedLoadPlacement<PlacementKey>(bound);
  const keys = texts.map(keyOf);
  // Keys known before any collector are placed by one rebuild when the collectors arrive.
  placement.insert(keys, ignore);
  placement.setCollectors(seedsOf(collectors), new Int32Array(0), ignore);
  return new Map(keys.map((key) => [key.text, collectors[key.collector] ?? '']));
}

describe('BoundedLoadPlacement', () => {
  it('keeps every collector at or below ceil(bound * keys / collectors)', () => {
    const collectors = Array.from({ length: 15 }, (_, i) => `c${i}`);
    const placement = new BoundedLoadPlacement<PlacementKey>(1.05);
    placement.setCollectors(seedsOf(collectors), new Int32Array(0), ignore);
    placement.insert(
      Array.from({ length: 3000 }, (_, i) => keyOf(`10.0.${i >> 8}.${i & 255}:9100`)),
      ignore,
    );
    const cap = Math.ceil((1.05 * 3000) / 15);
    expect(Math.max(...placement.loads())).toBeLessThanOrEqual(cap);
  });

  it('reaches the same placement one change at a time as from scratch, whatever the order', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('add' as const),
        keys: fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 90 }),
      }),
      fc.record({
        kind: fc.constant('delete' as const),
        keys: fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 90 }),
      }),
      fc.record({
        kind: fc.constant('collectors' as const),
        keys: fc.uniqueArray(fc.integer({ min: 0, max: 9 }), { maxLength: 6 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), fc.constantFrom(1, 1.05, 1.25), (ops, bound) => {
        const placement = new BoundedLoadPlacement<PlacementKey>(bound);
        const live = new Map<string, PlacementKey>();
        let collectors: string[] = [];
        for (const { kind, keys } of ops) {
          if (kind === 'collectors') {
            const next = [...keys].sort((a, b) => a - b).map((i) => `collector-${i}`);
            const remap = new Int32Array(collectors.map((id) => next.indexOf(id)));
            placement.setCollectors(seedsOf(next), remap, ignore);
            collectors = next;
          } else if (kind === 'add') {
            const fresh = [...new Set(keys)]
              .map((i) => `k${i}`)
              .filter((t) => !live.has(t))
              .map(keyOf);
            for (const key of fresh) live.set(key.text, key);
            placement.insert(fresh, ignore);
          } else {
            const gone = [...new Set(keys)]
              .map((i) => live.get(`k${i}`))
              .filter((k) => k !== undefined);
            for (const key of gone) live.delete(key.text);
            placement.delete(gone, ignore);
          }
        }
        const actual = new Map(
          [...live.values()].map((key) => [key.text, collectors[key.collector] ?? '']),
        );
        expect(actual).toEqual(fromScratch([...live.keys()].reverse(), collectors, bound));
      }),
      { numRuns: 300 },
    );
  });
});
