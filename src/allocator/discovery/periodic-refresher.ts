import type { TargetGroup } from '../model.js';
import type { DiscoveryClock } from './clock.js';
import type { TargetGroupSink } from './provider.js';

export interface PeriodicRefresherOptions {
  readonly intervalMs: number;
  readonly clock: DiscoveryClock;
  /** One full discovery pass; throwing keeps the last good groups. */
  readonly refresh: () => Promise<readonly TargetGroup[]>;
  readonly onError: (err: unknown) => void;
}

/**
 * Runs a refresh now and then every interval, one at a time, and emits each result as a complete
 * list (sources that disappeared are gone). A failed refresh emits nothing, so the last
 * good groups stay in place. A refresh asked for while one runs runs once more right after it.
 */
export class PeriodicRefresher {
  private sink: TargetGroupSink | undefined;
  private cancelInterval: (() => void) | undefined;
  private lastGroups: readonly TargetGroup[] | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly options: PeriodicRefresherOptions) {}

  /** Starts the timer and the first refresh; resolves when the first refresh has finished. */
  start(sink: TargetGroupSink): Promise<void> {
    this.sink = sink;
    this.cancelInterval = this.options.clock.setInterval(
      () => void this.refreshNow(),
      this.options.intervalMs,
    );
    return this.refreshNow();
  }

  refreshNow(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop();
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelInterval?.();
    await this.running;
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.again = false;
        await this.once();
      } while (this.again && !this.stopped);
    } finally {
      // Cleared in the same tick as the last `again` check, so no request can fall in between.
      this.running = undefined;
    }
  }

  private async once(): Promise<void> {
    let groups: readonly TargetGroup[];
    try {
      groups = await this.options.refresh();
    } catch (err) {
      if (!this.stopped) this.options.onError(err);
      return;
    }
    if (this.stopped || this.sink === undefined) return;
    // Providers hand back the very same group objects for unchanged data; then nothing changed.
    if (sameGroups(this.lastGroups, groups)) return;
    this.lastGroups = groups;
    this.sink(groups, true);
  }
}

function sameGroups(
  previous: readonly TargetGroup[] | undefined,
  next: readonly TargetGroup[],
): boolean {
  if (previous === undefined || previous.length !== next.length) return false;
  return previous.every((group, i) => group === next[i]);
}
