import { describe, expect, it } from 'vitest';
import { CollectorLiveness } from './collector-liveness.js';

describe('CollectorLiveness', () => {
  it('a collector seen polling turns silent after the timeout and back when it polls again', () => {
    const liveness = new CollectorLiveness(30_000);
    liveness.setPool(new Set(['a', 'b']));
    expect(liveness.recordPoll('a', 0)).toBe(false);
    expect(liveness.nextSilenceAt(0)).toBe(30_000);
    expect(liveness.silent(29_999).size).toBe(0);
    expect([...liveness.silent(30_000)]).toEqual(['a']);
    expect(liveness.recordPoll('a', 31_000)).toBe(true);
    expect(liveness.silent(31_000).size).toBe(0);
  });

  it('a collector never seen polling here is never silent (another replica may serve it)', () => {
    const liveness = new CollectorLiveness(30_000);
    liveness.setPool(new Set(['a']));
    expect(liveness.silent(1_000_000).size).toBe(0);
    expect(liveness.nextSilenceAt(0)).toBeUndefined();
  });

  it('ignores ids outside the pool, so made-up collector ids cannot grow memory, and forgets those that leave', () => {
    const liveness = new CollectorLiveness(30_000);
    liveness.setPool(new Set(['a']));
    liveness.recordPoll('made-up', 0);
    liveness.recordPoll('a', 0);
    expect([...liveness.silent(40_000)]).toEqual(['a']);
    liveness.setPool(new Set());
    expect(liveness.silent(40_000).size).toBe(0);
  });

  it('0 turns the check off', () => {
    const liveness = new CollectorLiveness(0);
    liveness.setPool(new Set(['a']));
    liveness.recordPoll('a', 0);
    expect(liveness.silent(1e9).size).toBe(0);
    expect(liveness.nextSilenceAt(0)).toBeUndefined();
  });

  it('waits three of a slow collector own polling periods, and never judges one whose period is unknown', () => {
    const periods = new Map<string, number>([['slow', 60_000]]);
    const liveness = new CollectorLiveness(30_000, (id) => periods.get(id));
    liveness.setPool(new Set(['slow', 'new']));
    liveness.recordPoll('slow', 0);
    liveness.recordPoll('new', 0);
    expect(liveness.silent(179_999).size).toBe(0);
    expect([...liveness.silent(180_000)]).toEqual(['slow']);
    expect(liveness.nextSilenceAt(0)).toBe(180_000);
  });
});
