import { describe, expect, it } from 'vitest';
import { holdTimeBoundMs, staleMarkersDelayMs } from './handoff-timing.js';
import { HandoffTracker, type TargetMove } from './handoff-tracker.js';

const REFRESH = 10_000;
const SCRAPE = 5_000;

const JOBS = ['app', 'slow', 'db'];

/** A tracker of a process whose jobs' targets collectors already fetch (what holds protect). */
function tracker(intervals: Record<string, number> = {}): HandoffTracker {
  const t = new HandoffTracker({
    refreshIntervalMs: () => REFRESH,
    scrapeIntervalMs: (job) => intervals[job] ?? SCRAPE,
  });
  for (const job of JOBS) t.recordJobServed(job);
  return t;
}

function move(targetId: string, from: string, to: string | undefined, job = 'app'): TargetMove {
  return { job, targetId, from, to };
}

const pool = (...ids: string[]): Set<string> => new Set(ids);
const none = new Set<string>();

describe('HandoffTracker', () => {
  it('the markers delay is the discovery update delay, 2.1 scrape intervals and a margin', () => {
    expect(staleMarkersDelayMs(5_000)).toBe(5_000 + 10_500 + 2_000);
    expect(holdTimeBoundMs(10_000, 5_000)).toBe(10_000 + 17_500);
  });

  it('holds a target moved between two collectors of the pool until the old owner polled, plus the markers delay', () => {
    const t = tracker();
    t.recordMoves([move('x', 'a', 'b')], pool('a', 'b'), none, 0);
    expect(t.isHeld('app', 'x')).toBe(true);
    expect(t.recordPoll('app', 'b', 1_000)).toBe(false); // the new owner's poll changes nothing
    expect(t.recordPoll('app', 'a', 4_000)).toBe(true);
    expect(t.nextReleaseAt()).toBe(4_000 + staleMarkersDelayMs(SCRAPE));
    expect(t.releaseDue(4_000 + staleMarkersDelayMs(SCRAPE) - 1).size).toBe(0);
    expect(t.isHeld('app', 'x')).toBe(true);
    expect([...t.releaseDue(4_000 + staleMarkersDelayMs(SCRAPE))]).toEqual(['app']);
    expect(t.isHeld('app', 'x')).toBe(false);
    expect(t.completed().get('old_owner_polled')).toBe(1);
    expect(t.heldCount()).toBe(0);
  });

  it('ends a hold on the time bound when the old owner poll is never seen (another replica served it)', () => {
    const t = tracker();
    t.recordMoves([move('x', 'a', 'b')], pool('a', 'b'), none, 1_000);
    const bound = 1_000 + holdTimeBoundMs(REFRESH, SCRAPE);
    expect(t.nextReleaseAt()).toBe(bound);
    expect(t.releaseDue(bound - 1).size).toBe(0);
    expect(t.releaseDue(bound).has('app')).toBe(true);
    expect(t.completed().get('time_bound')).toBe(1);
  });

  it('a late poll of the old owner never moves the release past the time bound', () => {
    const t = tracker();
    t.recordMoves([move('x', 'a', 'b')], pool('a', 'b'), none, 0);
    expect(t.recordPoll('app', 'a', REFRESH + 5_000)).toBe(false);
    expect(t.nextReleaseAt()).toBe(holdTimeBoundMs(REFRESH, SCRAPE));
    t.releaseDue(holdTimeBoundMs(REFRESH, SCRAPE));
    expect(t.completed().get('time_bound')).toBe(1);
  });

  it('hands a target over at once when its old owner left the pool (SIGTERM writes no staleness markers)', () => {
    const t = tracker();
    t.recordMoves([move('x', 'gone', 'b'), move('y', 'gone', undefined)], pool('b'), none, 0);
    expect(t.isHeld('app', 'x')).toBe(false);
    expect(t.heldCount()).toBe(0);
    expect(t.completed().get('old_owner_left')).toBe(2);
  });

  it('hands a target over at once when its old owner went silent', () => {
    const t = tracker();
    t.recordMoves([move('x', 'dead', 'b')], pool('b'), pool('dead'), 0);
    expect(t.isHeld('app', 'x')).toBe(false);
    expect(t.completed().get('old_owner_silent')).toBe(1);
  });

  it('ends the holds of an old owner that leaves the pool or goes silent during the hold', () => {
    const t = tracker();
    t.recordMoves([move('x', 'a', 'c'), move('y', 'b', 'c')], pool('a', 'b', 'c'), none, 0);
    expect([...t.releaseFrom(pool('a'), 'old_owner_left')]).toEqual(['app']);
    expect(t.isHeld('app', 'x')).toBe(false);
    expect(t.isHeld('app', 'y')).toBe(true);
    t.releaseFrom(pool('b'), 'old_owner_silent');
    expect(t.isHeld('app', 'y')).toBe(false);
    expect(t.completed().get('old_owner_left')).toBe(1);
    expect(t.completed().get('old_owner_silent')).toBe(1);
  });

  it('a target moved on again during its hold stays held for the collector that last scraped it', () => {
    const t = tracker();
    t.recordMoves([move('x', 'a', 'b')], pool('a', 'b', 'c'), none, 0);
    t.recordMoves([move('x', 'b', 'c')], pool('a', 'c'), none, 1_000);
    // b left, but b never scraped x: the hold is a's.
    t.releaseFrom(pool('b'), 'old_owner_left');
    expect(t.isHeld('app', 'x')).toBe(true);
    t.recordPoll('app', 'a', 2_000);
    expect(t.nextReleaseAt()).toBe(2_000 + staleMarkersDelayMs(SCRAPE));
  });

  it('a target back on its old owner before that one polled was never given up: no hold', () => {
    const t = tracker();
    t.recordMoves([move('x', 'a', 'b')], pool('a', 'b'), none, 0);
    t.recordMoves([move('x', 'b', 'a')], pool('a', 'b'), none, 500);
    expect(t.isHeld('app', 'x')).toBe(false);
    expect(t.completed().get('returned')).toBe(1);
    expect(t.nextReleaseAt()).toBeUndefined();
  });

  it('a target back on its old owner after that one polled stays held: its staleness markers are still to come', () => {
    const t = tracker();
    t.recordMoves([move('x', 'a', 'b')], pool('a', 'b'), none, 0);
    t.recordPoll('app', 'a', 1_000);
    t.recordMoves([move('x', 'b', 'a')], pool('a', 'b'), none, 2_000);
    expect(t.isHeld('app', 'x')).toBe(true);
  });

  it('polls before a move count for nothing; each job waits for its own poll and its own scrape interval', () => {
    const t = tracker({ slow: 60_000 });
    t.recordPoll('app', 'a', 0);
    t.recordMoves([move('x', 'a', 'b'), move('s', 'a', 'b', 'slow')], pool('a', 'b'), none, 1_000);
    t.recordPoll('app', 'a', 2_000);
    expect(t.isHeld('slow', 's')).toBe(true);
    t.recordPoll('slow', 'a', 3_000);
    t.releaseDue(2_000 + staleMarkersDelayMs(SCRAPE));
    expect(t.isHeld('app', 'x')).toBe(false);
    expect(t.isHeld('slow', 's')).toBe(true);
    expect(t.nextReleaseAt()).toBe(3_000 + staleMarkersDelayMs(60_000));
  });

  it('moves before any collector fetched the job from this process (start-up) hold nothing', () => {
    const t = new HandoffTracker({
      refreshIntervalMs: () => REFRESH,
      scrapeIntervalMs: () => SCRAPE,
    });
    t.recordMoves([move('x', 'a', 'b')], pool('a', 'b'), none, 0);
    expect(t.isHeld('app', 'x')).toBe(false);
    t.recordJobServed('app');
    t.recordMoves([move('x', 'b', 'a')], pool('a', 'b'), none, 2_000);
    expect(t.isHeld('app', 'x')).toBe(true);
  });

  it('reports the held targets per job and the oldest hold age', () => {
    const t = tracker();
    t.recordMoves([move('x', 'a', 'b'), move('y', 'a', 'b')], pool('a', 'b'), none, 1_000);
    t.recordMoves([move('z', 'a', 'b', 'db')], pool('a', 'b'), none, 3_000);
    expect(t.heldCount()).toBe(3);
    expect(Object.fromEntries(t.heldByJob())).toEqual({ app: 2, db: 1 });
    expect(t.oldestHoldAgeMs(5_000)).toBe(4_000);
    expect(t.oldestHoldAgeMs(0)).toBe(0);
    t.releaseDue(1_000_000);
    expect(t.oldestHoldAgeMs(1_000_000)).toBe(0);
    expect(t.heldByJob().size).toBe(0);
  });
});
