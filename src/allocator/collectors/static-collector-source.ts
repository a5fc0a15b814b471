import type { CollectorSource } from '../discovery/provider.js';
import type { Collector } from '../model.js';

/**
 * The static collector pool (`collectors` / `--collector-ids`), for running outside Kubernetes.
 * `update` applies a reloaded list; on Kubernetes a pod watcher implements the same interface.
 */
export class StaticCollectorSource implements CollectorSource {
  private sink: ((collectors: readonly Collector[]) => void) | undefined;
  private collectors: readonly Collector[];

  constructor(ids: readonly string[]) {
    this.collectors = toCollectors(ids);
  }

  start(sink: (collectors: readonly Collector[]) => void): Promise<void> {
    this.sink = sink;
    sink(this.collectors);
    return Promise.resolve();
  }

  update(ids: readonly string[]): void {
    this.collectors = toCollectors(ids);
    this.sink?.(this.collectors);
  }

  stop(): Promise<void> {
    this.sink = undefined;
    return Promise.resolve();
  }
}

function toCollectors(ids: readonly string[]): readonly Collector[] {
  return Object.freeze([...new Set(ids)].sort().map((id) => Object.freeze({ id })));
}
