import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hashString, ranking, rendezvousScore, topChoice } from './rendezvous-hash.js';

describe('rendezvous hashing', () => {
  it('ranks collectors by descending score, ties to the lower index, starting with the top choice', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.array(fc.integer(), { minLength: 1, maxLength: 40 }),
        (key, raw) => {
          const seeds = new Int32Array(raw);
          const order = [...ranking(key | 0, seeds)];
          expect([...order].sort((a, b) => a - b)).toEqual(raw.map((_, i) => i));
          expect(order[0]).toBe(topChoice(key | 0, seeds));
          for (let i = 1; i < order.length; i++) {
            const before = rendezvousScore(key | 0, seeds[order[i - 1]!]!);
            const after = rendezvousScore(key | 0, seeds[order[i]!]!);
            expect(before > after || (before === after && order[i - 1]! < order[i]!)).toBe(true);
          }
        },
      ),
    );
  });

  it('keeps its placements across releases (a changed hash would move every target on upgrade)', () => {
    const seeds = new Int32Array([0, 1, 2, 3].map((i) => hashString(`collector-${i}`)));
    const addresses = [1, 2, 3, 4, 5, 6].map((i) => `10.0.0.${i}:8080`);
    expect(hashString('10.0.0.1:8080')).toBe(-1144565325);
    expect(addresses.map((a) => topChoice(hashString(a), seeds))).toEqual([1, 1, 2, 0, 0, 0]);
  });

  it('hashes strings to the same int32 on every run and platform', () => {
    expect(hashString('10.0.0.1:8080')).toBe(hashString('10.0.0.1:8080'));
    expect(hashString('a')).not.toBe(hashString('b'));
    expect(Number.isInteger(hashString('collector-0'))).toBe(true);
    expect(hashString('collector-0') | 0).toBe(hashString('collector-0'));
  });
});
