import { describe, expect, it } from 'vitest';
import { PollCadence } from './poll-cadence.js';

describe('PollCadence', () => {
  it('learns each collector polling period from its last two polls of each job, the longest job counting', () => {
    const cadence = new PollCadence();
    cadence.record('a', 'c0', 0);
    expect(cadence.periodMs('c0')).toBeUndefined();
    cadence.record('a', 'c0', 10_000);
    cadence.record('b', 'c0', 0);
    cadence.record('b', 'c0', 30_000);
    expect(cadence.periodMs('c0')).toBe(30_000);
    cadence.record('b', 'c0', 40_000);
    expect(cadence.periodMs('c0')).toBe(10_000);
    cadence.record('a', 'c1', 0);
    cadence.record('a', 'c1', 60_000);
    expect(cadence.longestPeriodMs()).toBe(60_000);
  });

  it('forgets a collector that comes back from a silence or leaves the pool', () => {
    const cadence = new PollCadence();
    cadence.record('a', 'c0', 0);
    cadence.record('a', 'c0', 10_000);
    cadence.forget('c0');
    cadence.record('a', 'c0', 300_000);
    expect(cadence.periodMs('c0')).toBeUndefined();
    cadence.record('a', 'c1', 0);
    cadence.record('a', 'c1', 10_000);
    cadence.retain(new Set());
    expect(cadence.longestPeriodMs()).toBeUndefined();
  });
});
