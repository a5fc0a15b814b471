/** Waits `ms`; resolves early (without error) when the signal aborts. Injected so tests need no timers. */
export type Delay = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realDelay: Delay = (ms, signal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted === true) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Multiplier per consecutive failure; 2 by default. */
  readonly factor?: number;
}

/** Exponential backoff per consecutive failure, capped; `reset()` after a success. */
export class ExponentialBackoff {
  private failures = 0;

  constructor(private readonly options: BackoffOptions) {}

  /** The delay before the next attempt, counting this failure. */
  next(): number {
    const ms = Math.min(
      this.options.maxMs,
      this.options.initialMs * (this.options.factor ?? 2) ** this.failures,
    );
    this.failures += 1;
    return ms;
  }

  reset(): void {
    this.failures = 0;
  }

  get attempts(): number {
    return this.failures;
  }
}
