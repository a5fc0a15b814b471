import { describe, expect, it } from 'vitest';
import type { Collector } from '../model.js';
import { DepartureGrace } from './departure-grace.js';

const sts = (id: string): Collector => ({ id, nodeName: 'n', returnsWithSameId: true });
const plain = (id: string): Collector => ({ id, nodeName: 'n' });
const ids = (collectors: readonly Collector[]): string[] => collectors.map((c) => c.id).sort();

describe('DepartureGrace', () => {
  it('keeps a departed StatefulSet pod in the pool for the grace, then lets it go', () => {
    const grace = new DepartureGrace(10_000);
    grace.update([sts('c-0'), sts('c-1')], 0);
    expect(ids(grace.update([sts('c-0')], 1_000))).toEqual(['c-0', 'c-1']);
    expect(grace.departing()).toEqual(['c-1']);
    expect(grace.nextExpiryAt()).toBe(11_000);
    expect(ids(grace.pool(10_999))).toEqual(['c-0', 'c-1']);
    expect(ids(grace.pool(11_000))).toEqual(['c-0']);
    expect(grace.departing()).toEqual([]);
  });

  it('a successor with the same id within the grace ends it: the pool never changed', () => {
    const grace = new DepartureGrace(10_000);
    grace.update([sts('c-0'), sts('c-1')], 0);
    grace.update([sts('c-0')], 1_000);
    expect(ids(grace.update([sts('c-0'), sts('c-1')], 4_000))).toEqual(['c-0', 'c-1']);
    expect(grace.departing()).toEqual([]);
    expect(grace.nextExpiryAt()).toBeUndefined();
  });

  it('other departures (Deployment pods, a static pool) apply at once, and 0 turns the grace off', () => {
    const grace = new DepartureGrace(10_000);
    grace.update([plain('a'), plain('b')], 0);
    expect(ids(grace.update([plain('a')], 1_000))).toEqual(['a']);
    const off = new DepartureGrace(0);
    off.update([sts('c-0'), sts('c-1')], 0);
    expect(ids(off.update([sts('c-0')], 1_000))).toEqual(['c-0']);
  });
});
