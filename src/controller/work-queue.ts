import { ExponentialBackoff, type BackoffOptions } from '../k8s/backoff.js';

/** Runs `fn` after `ms`; returns a cancel function. Injected so tests control time. */
export type Scheduler = (fn: () => void, ms: number) => () => void;

export const timerScheduler: Scheduler = (fn, ms) => {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

export interface WorkQueueOptions {
  readonly retry?: BackoffOptions;
  readonly scheduler?: Scheduler;
}

const DEFAULT_RETRY: BackoffOptions = { initialMs: 500, maxMs: 5 * 60_000 };

/**
 * A keyed work queue with client-go's guarantees: a key is queued at most once however many
 * events arrive (level-triggered: the reconciler reads current state, not the events), a key is
 * never handed to two workers at once (one added while in flight is queued again when it is done),
 * and failures are retried with per-key exponential backoff until `forget`.
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, ExponentialBackoff>();
  private readonly pendingTimers = new Set<() => void>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  private readonly scheduler: Scheduler;
  private shuttingDown = false;

  constructor(private readonly options: WorkQueueOptions = {}) {
    this.scheduler = options.scheduler ?? timerScheduler;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter !== undefined) this.hand(key, waiter);
    else this.queue.push(key);
  }

  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const cancel = this.scheduler(() => {
      this.pendingTimers.delete(cancel);
      this.add(key);
    }, ms);
    this.pendingTimers.add(cancel);
  }

  /** Queues the key again after its next backoff delay. */
  addRateLimited(key: string): void {
    let backoff = this.failures.get(key);
    if (backoff === undefined) {
      backoff = new ExponentialBackoff(this.options.retry ?? DEFAULT_RETRY);
      this.failures.set(key, backoff);
    }
    this.addAfter(key, backoff.next());
  }

  /** Clears the key's failure count after a success. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  retries(key: string): number {
    return this.failures.get(key)?.attempts ?? 0;
  }

  /** The next key to work on; undefined once the queue shuts down. Call `done(key)` after. */
  get(): Promise<string | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) {
      this.take(key);
      return Promise.resolve(key);
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) {
      const waiter = this.waiters.shift();
      if (waiter !== undefined) this.hand(key, waiter);
      else this.queue.push(key);
    }
  }

  get length(): number {
    return this.queue.length;
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const cancel of this.pendingTimers) cancel();
    this.pendingTimers.clear();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  private take(key: string): void {
    this.dirty.delete(key);
    this.processing.add(key);
  }

  private hand(key: string, waiter: (key: string | undefined) => void): void {
    this.take(key);
    waiter(key);
  }
}
