import type { DiscoveryClock } from './clock.js';

/**
 * A DiscoveryClock that only moves when told to, for tests of refresh loops and coalescing:
 * `advance(ms)` runs every timer that falls due, in order.
 */
export class ManualClock implements DiscoveryClock {
  private time = 0;
  private nextId = 0;
  private readonly timers = new Map<
    number,
    { at: number; every: number | undefined; fn: () => void }
  >();

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): () => void {
    return this.add(fn, ms, undefined);
  }

  setInterval(fn: () => void, ms: number): () => void {
    return this.add(fn, ms, ms);
  }

  pending(): number {
    return this.timers.size;
  }

  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.timers.entries()]
        .filter(([, t]) => t.at <= end)
        .sort((a, b) => a[1].at - b[1].at || a[0] - b[0])[0];
      if (due === undefined) break;
      const [id, timer] = due;
      this.time = timer.at;
      if (timer.every === undefined) this.timers.delete(id);
      else timer.at += timer.every;
      timer.fn();
    }
    this.time = end;
  }

  private add(fn: () => void, ms: number, every: number | undefined): () => void {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + Math.max(ms, 0), every, fn });
    return () => this.timers.delete(id);
  }
}
