import { describe, expect, it } from 'vitest';
import { WorkQueue, type Scheduler } from './work-queue.js';

function manualScheduler(): { scheduler: Scheduler; delays: number[]; fire(): void } {
  const pending: { fn: () => void; ms: number; cancelled: boolean }[] = [];
  const delays: number[] = [];
  return {
    delays,
    scheduler: (fn, ms) => {
      const entry = { fn, ms, cancelled: false };
      pending.push(entry);
      delays.push(ms);
      return () => (entry.cancelled = true);
    },
    fire: () => {
      for (const e of pending.splice(0)) if (!e.cancelled) e.fn();
    },
  };
}

describe('WorkQueue', () => {
  it('queues a key once however often it is added', async () => {
    const q = new WorkQueue();
    q.add('ns/a');
    q.add('ns/b');
    q.add('ns/a');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('ns/a');
    expect(await q.get()).toBe('ns/b');
  });

  it('never hands out a key that is in flight; one added meanwhile comes back after done', async () => {
    const q = new WorkQueue();
    q.add('k');
    const key = await q.get();
    q.add('k');
    expect(q.length).toBe(0);
    q.done(key!);
    expect(q.length).toBe(1);
    expect(await q.get()).toBe('k');
  });

  it('wakes a waiting worker when a key arrives', async () => {
    const q = new WorkQueue();
    const next = q.get();
    q.add('k');
    expect(await next).toBe('k');
  });

  it('retries with per-key exponential backoff until forgotten', () => {
    const time = manualScheduler();
    const q = new WorkQueue({ scheduler: time.scheduler, retry: { initialMs: 10, maxMs: 50 } });
    for (let i = 0; i < 5; i++) q.addRateLimited('k');
    q.addRateLimited('other');
    expect(time.delays).toEqual([10, 20, 40, 50, 50, 10]);
    expect(q.retries('k')).toBe(5);
    q.forget('k');
    q.addRateLimited('k');
    expect(time.delays.at(-1)).toBe(10);
    time.fire();
    expect(q.length).toBe(2);
  });

  it('shutDown releases waiting workers and drops scheduled retries', async () => {
    const time = manualScheduler();
    const q = new WorkQueue({ scheduler: time.scheduler });
    const waiting = q.get();
    q.addAfter('k', 100);
    q.shutDown();
    expect(await waiting).toBeUndefined();
    time.fire();
    expect(q.length).toBe(0);
    expect(await q.get()).toBeUndefined();
  });
});
