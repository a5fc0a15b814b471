import type { Collector, Target } from '../model.js';
import type { PlacementItem } from '../strategies/strategy.js';

/** The allocator's record of one target: the strategies' `PlacementItem`, plus where it sits. */
export interface TargetEntry extends PlacementItem {
  target: Target;
  collector: CollectorSlots | undefined;
  /** Index in the collector's bucket for the target's job. */
  slot: number;
  /** False once the target is gone, so a late placement report cannot resurrect it. */
  live: boolean;
  /** Operation stamp and the target seen in that operation, used while diffing a job. */
  seen: number;
  pending: Target | undefined;
}

/**
 * A new, unplaced entry. An object literal rather than `new`, so V8 pretenures entries (see
 * `newPlacementKey`): nearly all of them live as long as their target.
 */
export function newTargetEntry(target: Target): TargetEntry {
  return { target, collector: undefined, slot: -1, live: true, seen: 0, pending: undefined };
}

function byId(a: Target, b: Target): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

const EMPTY: readonly Target[] = Object.freeze([]);

/** The targets of one job on one collector. The served list is built on demand, sorted by id, and cached until the bucket changes. */
class Bucket {
  readonly entries: TargetEntry[] = [];
  private served: readonly Target[] | undefined = undefined;

  invalidate(): void {
    this.served = undefined;
  }

  targets(): readonly Target[] {
    this.served ??= Object.freeze(this.entries.map((entry) => entry.target).sort(byId));
    return this.served;
  }
}

/** One collector with an index of its targets per job, so a collector's list for a job costs O(result). */
export class CollectorSlots {
  total = 0;
  private readonly buckets = new Map<string, Bucket>();

  constructor(public collector: Collector) {}

  get id(): string {
    return this.collector.id;
  }

  targets(job: string): readonly Target[] {
    return this.buckets.get(job)?.targets() ?? EMPTY;
  }

  add(entry: TargetEntry): void {
    const job = entry.target.job;
    let bucket = this.buckets.get(job);
    if (bucket === undefined) this.buckets.set(job, (bucket = new Bucket()));
    entry.collector = this;
    entry.slot = bucket.entries.length;
    bucket.entries.push(entry);
    bucket.invalidate();
    this.total++;
  }

  remove(entry: TargetEntry): void {
    const job = entry.target.job;
    const bucket = this.buckets.get(job);
    if (bucket === undefined || bucket.entries[entry.slot] !== entry) return;
    const last = bucket.entries.pop()!;
    if (last !== entry) {
      bucket.entries[entry.slot] = last;
      last.slot = entry.slot;
    }
    if (bucket.entries.length === 0) this.buckets.delete(job);
    else bucket.invalidate();
    entry.collector = undefined;
    entry.slot = -1;
    this.total--;
  }

  /** A target kept its place but got fresh labels: the served list must be rebuilt. */
  refreshed(job: string): void {
    this.buckets.get(job)?.invalidate();
  }

  /** Every entry still here (after the strategy was told this collector left, there should be none). */
  entries(): TargetEntry[] {
    const all: TargetEntry[] = [];
    for (const bucket of this.buckets.values()) all.push(...bucket.entries);
    return all;
  }
}
