import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Allocator } from '../allocator.js';
import { targets } from '../allocation/target-fixtures.js';
import { ManualClock } from '../discovery/manual-clock.js';
import type { Collector } from '../model.js';
import { ResponseCache } from '../server/response-cache.js';
import { createStrategy } from '../strategies/registry.js';
import { HandoffCoordinator, type HandoffSettings } from './handoff-coordinator.js';
import { holdTimeBoundMs, staleMarkersDelayMs } from './handoff-timing.js';

const JOB = 'app';
const SCRAPE = 5_000;
const SETTINGS: HandoffSettings = {
  refreshIntervalMs: 10_000,
  silenceMs: 30_000,
  departureGraceMs: 10_000,
};

function setup(
  settings: HandoffSettings = SETTINGS,
  departureIsFinal?: (collector: Collector) => Promise<boolean>,
) {
  const clock = new ManualClock();
  const allocator = new Allocator({ strategy: createStrategy('consistent-hashing') });
  const handoff = new HandoffCoordinator({
    allocator,
    clock,
    logger: pino({ level: 'silent' }),
    settings,
    scrapeIntervalMs: () => SCRAPE,
    departureIsFinal,
  });
  allocator.setJobTargets(JOB, targets(JOB, 60));
  // A process whose targets collectors already fetch: holds protect what was served.
  handoff.recordPoll(JOB, 'another-collector');
  const served = (id: string): string[] => handoff.view.targetsFor(JOB, id).map((t) => t.id);
  /** Target id -> collectors serving it; more than one would be a double scrape. */
  const owners = (ids: readonly string[]): Map<string, string[]> => {
    const result = new Map<string, string[]>();
    for (const id of ids) for (const t of served(id)) result.set(t, [...(result.get(t) ?? []), id]);
    return result;
  };
  const pollAll = (ids: readonly string[]): void => {
    for (const id of ids) handoff.recordPoll(JOB, id);
  };
  /** What the allocation assigns, holds aside. */
  const assigned = (id: string): string[] => allocator.targetsFor(JOB, id).map((t) => t.id);
  return { clock, allocator, handoff, served, owners, pollAll, assigned };
}

const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
const pool = (...ids: string[]): Collector[] => ids.map((id) => ({ id, nodeName: 'node' }));
const sts = (...ids: string[]): Collector[] =>
  ids.map((id) => ({ id, nodeName: 'node', returnsWithSameId: true }));

describe('HandoffCoordinator', () => {
  it('(a) scale-up: moved targets reach the newcomer only after each old owner polled and its markers delay passed', () => {
    const { clock, handoff, served, owners, pollAll, assigned } = setup();
    handoff.setCollectors(pool('c0', 'c1', 'c2'));
    pollAll(['c0', 'c1', 'c2']);
    const versionBefore = handoff.view.jobVersion(JOB);

    handoff.setCollectors(pool('c0', 'c1', 'c2', 'c3'));
    expect(served('c3')).toEqual([]);
    const held = handoff.status().held;
    expect(held).toBeGreaterThanOrEqual(assigned('c3').length);
    expect(assigned('c3').length).toBeGreaterThan(0);
    // The old owners already stopped being served the moved targets; nobody serves them now.
    const all = owners(['c0', 'c1', 'c2', 'c3']);
    expect(all.size).toBe(60 - held);
    expect([...all.values()].every((o) => o.length === 1)).toBe(true);

    clock.advance(3_000);
    pollAll(['c0', 'c1', 'c2', 'c3']);
    clock.advance(staleMarkersDelayMs(SCRAPE) - 1);
    expect(served('c3')).toEqual([]);
    clock.advance(1);
    for (const id of ['c0', 'c1', 'c2', 'c3']) expect(served(id)).toEqual(assigned(id));
    expect(owners(['c0', 'c1', 'c2', 'c3']).size).toBe(60);
    expect(handoff.view.jobVersion(JOB)).toBeGreaterThan(versionBefore);
    expect(handoff.status().completed.get('old_owner_polled')).toBe(held);
    expect(handoff.status().held).toBe(0);
  });

  it('(a) without seeing the old owners poll (another replica), the hold ends on the time bound', () => {
    const { clock, handoff, served, assigned } = setup();
    handoff.setCollectors(pool('c0', 'c1', 'c2'));
    handoff.setCollectors(pool('c0', 'c1', 'c2', 'c3'));
    const held = handoff.status().held;
    clock.advance(holdTimeBoundMs(SETTINGS.refreshIntervalMs, SCRAPE) - 1);
    expect(served('c3')).toEqual([]);
    clock.advance(1);
    expect(served('c3')).toEqual(assigned('c3'));
    expect(handoff.status().completed.get('time_bound')).toBe(held);
  });

  it('(b) a deleted pod (not a StatefulSet one): its targets go to the others at once', () => {
    const { handoff, served, owners } = setup();
    handoff.setCollectors(pool('c0', 'c1', 'c2'));
    const lost = served('c2');
    handoff.setCollectors(pool('c0', 'c1'));
    expect(handoff.status().held).toBe(0);
    const all = owners(['c0', 'c1']);
    expect(all.size).toBe(60);
    for (const t of lost) expect(all.get(t)).toHaveLength(1);
    expect(handoff.status().completed.get('old_owner_left')).toBeGreaterThanOrEqual(lost.length);
  });

  it('(b) a StatefulSet pod that does not come back keeps its targets for the grace, then they move at once', () => {
    const { clock, handoff, served, owners } = setup();
    handoff.setCollectors(sts('c-0', 'c-1', 'c-2'));
    const lost = served('c-2');
    handoff.setCollectors(sts('c-0', 'c-1'));
    expect(served('c-2')).toEqual(lost);
    expect(handoff.status().departingCollectors).toEqual(['c-2']);
    clock.advance(SETTINGS.departureGraceMs);
    expect(served('c-2')).toEqual([]);
    // The departed pod's targets are served at once; only moves between the two survivors (the
    // bounded load rebalancing) are held.
    const all = owners(['c-0', 'c-1']);
    for (const t of lost) expect(all.get(t)).toHaveLength(1);
    expect(all.size).toBe(60 - handoff.status().held);
  });

  it('(b) a StatefulSet scale-down (the departed pod is known not to return): no grace, its targets move at once', async () => {
    const asked: string[] = [];
    const { handoff, served, owners } = setup(SETTINGS, (collector) => {
      asked.push(collector.id);
      return Promise.resolve(collector.id === 'c-2');
    });
    handoff.setCollectors(sts('c-0', 'c-1', 'c-2'));
    const lost = served('c-2');
    handoff.setCollectors(sts('c-0', 'c-1'));
    // The answer comes from the API server, later than the departure: the grace runs meanwhile.
    expect(handoff.status().departingCollectors).toEqual(['c-2']);
    await flush();
    expect(asked).toEqual(['c-2']);
    expect(handoff.status().departingCollectors).toEqual([]);
    expect(served('c-2')).toEqual([]);
    const all = owners(['c-0', 'c-1']);
    for (const t of lost) expect(all.get(t)).toHaveLength(1);
    expect(handoff.status().completed.get('old_owner_left')).toBeGreaterThanOrEqual(lost.length);
  });

  it('(b) a departure not known to be final (a rollout, or the StatefulSet unreadable) keeps the grace', async () => {
    const { clock, handoff, served } = setup(SETTINGS, () => Promise.resolve(false));
    handoff.setCollectors(sts('c-0', 'c-1', 'c-2'));
    const lost = served('c-2');
    handoff.setCollectors(sts('c-0', 'c-1'));
    await flush();
    expect(served('c-2')).toEqual(lost);
    clock.advance(SETTINGS.departureGraceMs);
    expect(served('c-2')).toEqual([]);
  });

  it('(c) a successor back before the answer arrives keeps its targets, whatever the answer', async () => {
    let answer!: (final: boolean) => void;
    const { handoff, served } = setup(
      SETTINGS,
      () => new Promise<boolean>((resolve) => (answer = resolve)),
    );
    handoff.setCollectors(sts('c-0', 'c-1', 'c-2'));
    const before = ['c-0', 'c-1', 'c-2'].map(served);
    handoff.setCollectors(sts('c-0', 'c-1'));
    handoff.setCollectors(sts('c-0', 'c-1', 'c-2'));
    answer(true);
    await flush();
    expect(['c-0', 'c-1', 'c-2'].map(served)).toEqual(before);
    expect([...handoff.status().completed.values()].every((n) => n === 0)).toBe(true);
  });

  it('(c) a StatefulSet pod deleted and recreated under the same name within the grace: no target moves', () => {
    const { clock, handoff, served } = setup();
    handoff.setCollectors(sts('c-0', 'c-1', 'c-2'));
    const before = ['c-0', 'c-1', 'c-2'].map(served);
    handoff.setCollectors(sts('c-0', 'c-1'));
    clock.advance(4_000);
    handoff.setCollectors(sts('c-0', 'c-1', 'c-2'));
    clock.advance(60_000);
    expect(['c-0', 'c-1', 'c-2'].map(served)).toEqual(before);
    expect([...handoff.status().completed.values()].every((n) => n === 0)).toBe(true);
  });

  it('(c) a collector restarted with the same id, pool unchanged, polls again before the silence timeout: nothing moves', () => {
    const { clock, handoff, served, pollAll } = setup();
    handoff.setCollectors(pool('c0', 'c1', 'c2'));
    const before = ['c0', 'c1', 'c2'].map(served);
    pollAll(['c0', 'c1', 'c2']);
    clock.advance(10_000);
    pollAll(['c0', 'c1']);
    clock.advance(15_000);
    for (let t = 0; t < 60_000; t += 10_000) {
      pollAll(['c0', 'c1', 'c2']);
      clock.advance(10_000);
    }
    expect(['c0', 'c1', 'c2'].map(served)).toEqual(before);
    expect(handoff.status().silentCollectors).toEqual([]);
  });

  it('(d) a collector that stops polling without leaving the pool: its targets go to the others once it is silent, and come back (held) when it polls again', () => {
    const { clock, handoff, served, owners, pollAll } = setup();
    handoff.setCollectors(pool('c0', 'c1', 'c2'));
    const lost = served('c2');
    // Two polls 10 s apart: its polling period is known from then on.
    pollAll(['c0', 'c1', 'c2']);
    clock.advance(10_000);
    pollAll(['c0', 'c1', 'c2']);
    const silentAt = 10_000 + SETTINGS.silenceMs;
    while (clock.now() + 9_999 < silentAt) {
      clock.advance(9_999);
      pollAll(['c0', 'c1']);
    }
    clock.advance(silentAt - 1 - clock.now());
    expect(served('c2')).toEqual(lost);
    clock.advance(1);
    expect(handoff.status().silentCollectors).toEqual(['c2']);
    const all = owners(['c0', 'c1', 'c2']);
    expect(all.size).toBe(60);
    for (const t of lost) expect(all.get(t)).not.toContain('c2');
    expect(handoff.status().completed.get('old_owner_silent')).toBe(lost.length);

    // It polls again: back in the pool; its targets return once c0 and c1 let go of them.
    handoff.recordPoll(JOB, 'c2');
    clock.advance(0);
    expect(handoff.status().silentCollectors).toEqual([]);
    expect(served('c2')).toEqual([]);
    expect(handoff.status().held).toBe(lost.length);
    pollAll(['c0', 'c1']);
    clock.advance(staleMarkersDelayMs(SCRAPE));
    expect(served('c2')).toEqual(lost);
  });

  it('when every collector is silent, the allocator suspects itself and moves nothing', () => {
    const { clock, handoff, served, pollAll } = setup();
    handoff.setCollectors(pool('c0', 'c1'));
    const kept = ['c0', 'c1'].map(served);
    pollAll(['c0', 'c1']);
    clock.advance(10_000);
    pollAll(['c0', 'c1']);
    clock.advance(120_000);
    expect(['c0', 'c1'].map(served)).toEqual(kept);
  });

  it('a collector that polls slower than assumed is not taken for silent, and holds wait for its polls', () => {
    const { clock, handoff, served, pollAll } = setup();
    handoff.setCollectors(pool('c0', 'c1'));
    const kept = ['c0', 'c1'].map(served);
    // Polls every 60 s (Prometheus's default http_sd refresh), where 10 s were assumed.
    for (let i = 0; i < 4; i++) {
      pollAll(['c0', 'c1']);
      clock.advance(60_000);
    }
    pollAll(['c0', 'c1']);
    expect(['c0', 'c1'].map(served)).toEqual(kept);
    expect(handoff.status().silentCollectors).toEqual([]);
    handoff.setCollectors(pool('c0', 'c1', 'c2'));
    // The time bound counts the observed 60 s, not the configured 10 s.
    clock.advance(holdTimeBoundMs(SETTINGS.refreshIntervalMs, SCRAPE));
    expect(served('c2')).toEqual([]);
    clock.advance(holdTimeBoundMs(60_000, SCRAPE) - holdTimeBoundMs(10_000, SCRAPE));
    expect(served('c2').length).toBeGreaterThan(0);
  });

  it('silence detection off (0): a collector that stops polling keeps its targets', () => {
    const { clock, handoff, served, pollAll } = setup({ ...SETTINGS, silenceMs: 0 });
    handoff.setCollectors(pool('c0', 'c1'));
    const kept = served('c1');
    pollAll(['c0', 'c1']);
    clock.advance(600_000);
    expect(served('c1')).toEqual(kept);
  });

  it('a hold that ends rebuilds only the bodies whose lists changed; the others are reused', () => {
    const { clock, handoff, served } = setup();
    handoff.setCollectors(pool('c0', 'c1', 'c2'));
    const cache = new ResponseCache(handoff.view);
    handoff.setCollectors(pool('c0', 'c1', 'c2', 'c3'));
    const ids = ['c0', 'c1', 'c2', 'c3'];
    const listsDuring = ids.map(served);
    const bodiesDuring = ids.map((id) => cache.targetsFor(JOB, id));
    clock.advance(holdTimeBoundMs(SETTINGS.refreshIntervalMs, SCRAPE));
    const listsAfter = ids.map(served);
    const bodiesAfter = ids.map((id) => cache.targetsFor(JOB, id));
    expect(listsAfter[3]!.length).toBeGreaterThan(0);
    let reused = 0;
    ids.forEach((_, i) => {
      const same = JSON.stringify(listsDuring[i]) === JSON.stringify(listsAfter[i]);
      if (same) reused++;
      if (same) expect(bodiesAfter[i]).toBe(bodiesDuring[i]);
      else expect(bodiesAfter[i]).not.toBe(bodiesDuring[i]);
    });
    expect(reused).toBeGreaterThan(0);
  });

  it('stop() cancels its timer', () => {
    const { clock, handoff } = setup();
    handoff.setCollectors(pool('c0', 'c1'));
    handoff.setCollectors(pool('c0', 'c1', 'c2'));
    expect(clock.pending()).toBe(1);
    handoff.stop();
    expect(clock.pending()).toBe(0);
  });
});
