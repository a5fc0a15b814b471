import type { Collector } from '../model.js';
import {
  compareItems,
  type AllocationStrategy,
  type PlacementItem,
  type PlacementSink,
} from './strategy.js';

/** What one collector holds, per job. */
class CollectorLoad {
  total = 0;
  readonly byJob = new Map<string, Set<PlacementItem>>();

  constructor(readonly id: string) {}

  jobCount(job: string): number {
    return this.byJob.get(job)?.size ?? 0;
  }

  take(item: PlacementItem): void {
    const job = item.target.job;
    let items = this.byJob.get(job);
    if (items === undefined) this.byJob.set(job, (items = new Set()));
    items.add(item);
    this.total++;
  }

  release(item: PlacementItem): void {
    const items = this.byJob.get(item.target.job);
    if (items?.delete(item) !== true) return;
    this.total--;
    if (items.size === 0) this.byJob.delete(item.target.job);
  }
}

function byJobThenId(a: PlacementItem, b: PlacementItem): number {
  const x = a.target.job;
  const y = b.target.job;
  return x < y ? -1 : x > y ? 1 : compareItems(a, b);
}

/**
 * `least-weighted` (upstream semantics): sticky; a new target goes to the collector with the fewest
 * targets, then the fewest targets of its job, then the smallest id. Batches are placed in a canonical
 * order (job, then target id) so the same inputs give the same result. With `rebalanceOnJoin`, a
 * collector that joins receives the fewest targets needed to bring it level with the others.
 */
export class LeastWeightedStrategy implements AllocationStrategy {
  readonly name = 'least-weighted';
  private loads: CollectorLoad[] = [];
  private readonly where = new Map<PlacementItem, CollectorLoad>();
  private readonly unassigned = new Set<PlacementItem>();
  /** Targets another strategy holds per collector (per-node, when this is its fallback). */
  private otherLoad: (collectorId: string) => number = () => 0;

  constructor(private readonly rebalanceOnJoin = false) {}

  countAlso(load: (collectorId: string) => number): void {
    this.otherLoad = load;
  }

  /** Never: placement reads neither address nor node, and it is sticky (as upstream's). */
  replaces(): boolean {
    return false;
  }

  add(items: readonly PlacementItem[], sink: PlacementSink): void {
    if (this.loads.length === 0) {
      for (const item of items) this.unassigned.add(item);
      return;
    }
    this.place([...items], sink);
  }

  remove(items: readonly PlacementItem[]): void {
    for (const item of items) {
      this.where.get(item)?.release(item);
      this.where.delete(item);
      this.unassigned.delete(item);
    }
  }

  setCollectors(collectors: readonly Collector[], sink: PlacementSink): void {
    const previous = new Map(this.loads.map((load) => [load.id, load]));
    this.loads = collectors.map(
      (collector) => previous.get(collector.id) ?? new CollectorLoad(collector.id),
    );
    const joined = this.loads.filter((load) => !previous.has(load.id));
    const orphans = [...this.unassigned];
    const kept = new Set(this.loads);
    for (const load of previous.values()) {
      if (kept.has(load)) continue;
      for (const items of load.byJob.values()) for (const item of items) orphans.push(item);
    }
    for (const item of orphans) this.where.delete(item);
    this.unassigned.clear();
    if (this.loads.length === 0) {
      for (const item of orphans) {
        this.unassigned.add(item);
        sink(item, undefined);
      }
      return;
    }
    this.place(orphans, sink);
    if (this.rebalanceOnJoin) for (const load of joined) this.fill(load, sink);
  }

  /** Places items in canonical order; within one job the per-collector counts live in arrays. */
  private place(items: PlacementItem[], sink: PlacementSink): void {
    items.sort(byJobThenId);
    const loads = this.loads;
    let job: string | undefined;
    let jobCounts = new Int32Array(loads.length);
    const totals = Int32Array.from(loads, (load) => load.total + this.otherLoad(load.id));
    for (const item of items) {
      if (item.target.job !== job) {
        job = item.target.job;
        jobCounts = Int32Array.from(loads, (load) => load.jobCount(item.target.job));
      }
      let best = 0;
      for (let i = 1; i < loads.length; i++) {
        const diff = totals[i]! - totals[best]! || jobCounts[i]! - jobCounts[best]!;
        if (diff < 0) best = i;
      }
      const load = loads[best]!;
      load.take(item);
      jobCounts[best]!++;
      totals[best]!++;
      this.where.set(item, load);
      sink(item, load.id);
    }
  }

  /** Moves targets to `joiner` from the fullest collectors until it holds its fair share. */
  private fill(joiner: CollectorLoad, sink: PlacementSink): void {
    const total = this.loads.reduce((sum, load) => sum + load.total, 0);
    const share = Math.floor(total / this.loads.length);
    while (joiner.total < share) {
      let donor: CollectorLoad | undefined;
      for (const load of this.loads)
        if (load !== joiner && (donor === undefined || load.total > donor.total)) donor = load;
      if (donor === undefined || donor.total <= joiner.total + 1) return;
      const item = this.pickFrom(donor, joiner);
      donor.release(item);
      joiner.take(item);
      this.where.set(item, joiner);
      sink(item, joiner.id);
    }
  }

  /** From the job where `donor` has the most more than `joiner`, the first target in canonical order. */
  private pickFrom(donor: CollectorLoad, joiner: CollectorLoad): PlacementItem {
    let bestJob: string | undefined;
    let bestSurplus = -Infinity;
    for (const [job, items] of donor.byJob) {
      const surplus = items.size - joiner.jobCount(job);
      if (
        surplus > bestSurplus ||
        (surplus === bestSurplus && bestJob !== undefined && job < bestJob)
      ) {
        bestJob = job;
        bestSurplus = surplus;
      }
    }
    let pick: PlacementItem | undefined;
    for (const item of donor.byJob.get(bestJob ?? '') ?? []) {
      if (pick === undefined || compareItems(item, pick) < 0) pick = item;
    }
    if (pick === undefined) throw new Error('least-weighted: a donor collector holds no targets');
    return pick;
  }
}
