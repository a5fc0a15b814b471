import { CollectorSlots, newTargetEntry, type TargetEntry } from './allocation/collector-slots.js';
import { precedes } from './targets/duplicate-targets.js';
import { sameTargetLabels } from './allocation/same-labels.js';
import type { AllocationView, AllocationWriter, Collector, Target } from './model.js';
import {
  addressOrNodeChanged,
  type AllocationStrategy,
  type PlacementItem,
  type PlacementSink,
} from './strategies/strategy.js';

/** One allocation step, for the `opentelemetry_allocator_time_to_allocate` histogram and logs. */
export interface AllocationTiming {
  /** Upstream's label values: `SetTargets` (one job's targets) or `SetCollectors`. */
  readonly method: 'SetTargets' | 'SetCollectors';
  readonly strategy: string;
  readonly seconds: number;
  /** Targets that changed from one collector to another (first placements and removals excluded). */
  readonly moved: number;
}

export interface AllocatorOptions {
  readonly strategy: AllocationStrategy;
  /** Milliseconds, monotonic; injected so tests need no real timers. */
  readonly now?: () => number;
  readonly onTiming?: (timing: AllocationTiming) => void;
}

class JobState {
  readonly targets = new Map<string, TargetEntry>();
  version = 0;
}

interface JobDiff {
  readonly added: TargetEntry[];
  readonly removed: TargetEntry[];
  /** Same id, new address or node: the strategy must place them again. */
  readonly relocated: TargetEntry[];
  readonly relabeled: boolean;
}

type ChangeListener = (changedJobs: ReadonlySet<string>) => void;

/** A target that left a collector (moved to another one, or unassigned). */
export interface AllocatorMove {
  readonly target: Target;
  readonly from: string;
  readonly to: string | undefined;
}

type MoveListener = (moves: readonly AllocatorMove[]) => void;

/**
 * The allocation state: every target of every job, the collector pool, and which collector holds
 * which target. Incremental: `setJobTargets` diffs one job by target id and `setCollectors` diffs the
 * pool by collector id; only the differences reach the strategy. Surviving targets keep their
 * collector and take the fresh labels. Pure and synchronous: no I/O, no timers.
 */
export class Allocator implements AllocationView, AllocationWriter {
  private versionCounter = 0;
  private collectorSetVersion = 0;
  private stamp = 0;
  private readonly jobs = new Map<string, JobState>();
  /** Versions of jobs that emptied, so a job that comes back still sees its version increase. */
  private readonly goneJobVersions = new Map<string, number>();
  private collectors = new Map<string, CollectorSlots>();
  private sortedCollectorIds: readonly string[] = [];
  private sortedJobNames: readonly string[] | undefined = [];
  private unassigned = 0;
  private readonly listeners = new Set<ChangeListener>();
  private readonly moveListeners = new Set<MoveListener>();
  /** Moves of the change in progress; collected only while someone listens. */
  private moves: AllocatorMove[] = [];
  private changedJobs = new Set<string>();
  private moved = 0;
  private readonly strategy: AllocationStrategy;
  private readonly now: () => number;
  private readonly onTiming: ((timing: AllocationTiming) => void) | undefined;
  private readonly sink: PlacementSink = (item, collectorId) => this.place(item, collectorId);

  constructor(options: AllocatorOptions) {
    this.strategy = options.strategy;
    this.now = options.now ?? (() => performance.now());
    this.onTiming = options.onTiming;
  }

  get version(): number {
    return this.versionCounter;
  }

  get strategyName(): string {
    return this.strategy.name;
  }

  jobVersion(job: string): number {
    const own = this.jobs.get(job)?.version ?? this.goneJobVersions.get(job) ?? 0;
    return Math.max(own, this.collectorSetVersion);
  }

  jobNames(): readonly string[] {
    this.sortedJobNames ??= Object.freeze([...this.jobs.keys()].sort());
    return this.sortedJobNames;
  }

  targetsFor(job: string, collectorId: string): readonly Target[] {
    return this.collectors.get(collectorId)?.targets(job) ?? [];
  }

  collectorIds(): readonly string[] {
    return this.sortedCollectorIds;
  }

  targetCountsByCollector(): ReadonlyMap<string, number> {
    return new Map(this.sortedCollectorIds.map((id) => [id, this.collectors.get(id)?.total ?? 0]));
  }

  unassignedCount(): number {
    return this.unassigned;
  }

  targetCount(job: string): number {
    return this.jobs.get(job)?.targets.size ?? 0;
  }

  /** The collector holding a target, undefined when unassigned or unknown. */
  collectorOf(job: string, targetId: string): string | undefined {
    return this.jobs.get(job)?.targets.get(targetId)?.collector?.id;
  }

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Called after every change that took targets away from collectors, before the change
   * listeners, with the pool already updated (the handoff holds them back from their new owners).
   */
  onMoves(listener: MoveListener): () => void {
    this.moveListeners.add(listener);
    return () => this.moveListeners.delete(listener);
  }

  setJobTargets(job: string, targets: readonly Target[]): void {
    const started = this.now();
    const existing = this.jobs.get(job);
    if (existing === undefined && targets.length === 0) return;
    const state = existing ?? new JobState();
    if (existing === undefined) {
      this.jobs.set(job, state);
      this.sortedJobNames = undefined;
    }
    const { added, removed, relocated, relabeled } = this.diffJob(job, state, targets);
    this.applyTargetChanges(state, added, removed, relocated);
    if (added.length > 0 || removed.length > 0 || relocated.length > 0 || relabeled) {
      this.changedJobs.add(job);
    }
    if (state.targets.size === 0) {
      this.jobs.delete(job);
      this.sortedJobNames = undefined;
    }
    this.finish('SetTargets', started);
  }

  setCollectors(collectors: readonly Collector[]): void {
    const started = this.now();
    const unique = new Map<string, Collector>();
    for (const collector of collectors)
      if (!unique.has(collector.id)) unique.set(collector.id, collector);
    const sorted = [...unique.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (this.samePool(sorted)) return;
    const previous = this.collectors;
    this.collectors = new Map(
      sorted.map((collector) => {
        const slots = previous.get(collector.id) ?? new CollectorSlots(collector);
        slots.collector = collector;
        return [collector.id, slots];
      }),
    );
    // Departed collectors stay reachable until the strategy has moved their targets away.
    for (const [id, slots] of previous)
      if (!this.collectors.has(id)) this.collectors.set(id, slots);
    this.strategy.setCollectors(sorted, this.sink);
    for (const [id, slots] of previous) {
      if (unique.has(id)) continue;
      for (const entry of slots.entries()) this.place(entry, undefined);
      this.collectors.delete(id);
    }
    this.sortedCollectorIds = Object.freeze(sorted.map((collector) => collector.id));
    for (const job of this.jobs.keys()) this.changedJobs.add(job);
    this.collectorSetVersion = this.versionCounter + 1;
    this.finish('SetCollectors', started, true);
  }

  /** Matches the new list against the job's entries by id; refreshes labels of targets that stay put. */
  private diffJob(job: string, state: JobState, targets: readonly Target[]): JobDiff {
    const stamp = ++this.stamp;
    const added: TargetEntry[] = [];
    // `seen` is the stamp for a known target matched in this diff, minus the stamp for a new one.
    let matched = 0;
    let differing = 0;
    for (const target of targets) {
      const entry = state.targets.get(target.id);
      if (entry === undefined) {
        const fresh = newTargetEntry(target);
        fresh.seen = -stamp;
        state.targets.set(target.id, fresh);
        added.push(fresh);
        matched++;
      } else if (entry.seen === -stamp) {
        // Two targets with one identity: keep the same one whatever the input order.
        if (precedes(target, entry.target)) entry.target = target;
      } else if (entry.seen !== stamp) {
        entry.seen = stamp;
        matched++;
        if (target !== entry.target) {
          entry.pending = target;
          differing++;
        }
      } else if (precedes(target, entry.pending ?? entry.target)) {
        if (entry.pending === undefined) differing++;
        entry.pending = target;
      }
    }
    // The common steady-state case (targets only added): no need to visit every known target.
    if (matched === state.targets.size && differing === 0) {
      return { added, removed: [], relocated: [], relabeled: false };
    }
    return { added, ...this.collectChanges(job, state, stamp) };
  }

  /** Second pass of a diff: targets not matched are removed; matched ones take their new object. */
  private collectChanges(job: string, state: JobState, stamp: number): Omit<JobDiff, 'added'> {
    const removed: TargetEntry[] = [];
    const relocated: TargetEntry[] = [];
    let relabeled = false;
    for (const entry of state.targets.values()) {
      const next = entry.pending;
      if (entry.seen !== stamp && entry.seen !== -stamp) {
        removed.push(entry);
        continue;
      }
      if (next === undefined) continue;
      entry.pending = undefined;
      if (next === entry.target) continue;
      const current = entry.target;
      if (next.address === current.address && next.nodeName === current.nodeName) {
        relabeled ||= !sameTargetLabels(current, next);
        entry.target = next;
        entry.collector?.refreshed(job);
      } else if (this.replaces(current, next)) {
        entry.pending = next;
        relocated.push(entry);
      } else {
        // The strategy keeps it where it is (least-weighted is sticky): new labels, same place.
        relabeled = true;
        entry.target = next;
        entry.collector?.refreshed(job);
      }
    }
    return { removed, relocated, relabeled };
  }

  private applyTargetChanges(
    state: JobState,
    added: readonly TargetEntry[],
    removed: readonly TargetEntry[],
    relocated: readonly TargetEntry[],
  ): void {
    for (const entry of removed) {
      state.targets.delete(entry.target.id);
      this.forget(entry);
    }
    // The strategy forgets a relocated target under its old address or node, then places it anew.
    const leaving: PlacementItem[] = [...removed, ...relocated];
    if (leaving.length > 0) this.strategy.remove(leaving, this.sink);
    for (const entry of relocated) {
      entry.target = entry.pending ?? entry.target;
      entry.pending = undefined;
      const collector = entry.collector;
      if (collector !== undefined) {
        collector.remove(entry);
        this.unassigned++;
      }
    }
    this.unassigned += added.length;
    const arriving: PlacementItem[] = [...added, ...relocated];
    if (arriving.length > 0) this.strategy.add(arriving, this.sink);
  }

  /** Removes a target from the indexes for good. */
  private forget(entry: TargetEntry): void {
    entry.live = false;
    if (entry.collector === undefined) this.unassigned--;
    else entry.collector.remove(entry);
  }

  private place(item: PlacementItem, collectorId: string | undefined): void {
    const entry = item as TargetEntry;
    if (!entry.live) return;
    const to = collectorId === undefined ? undefined : this.collectors.get(collectorId);
    const from = entry.collector;
    if (from === to) return;
    if (from === undefined) this.unassigned--;
    else from.remove(entry);
    if (to === undefined) this.unassigned++;
    else to.add(entry);
    if (from !== undefined && to !== undefined) this.moved++;
    if (from !== undefined && this.moveListeners.size > 0) {
      this.moves.push({ target: entry.target, from: from.collector.id, to: to?.collector.id });
    }
    this.changedJobs.add(entry.target.job);
  }

  private replaces(before: Target, after: Target): boolean {
    return this.strategy.replaces?.(before, after) ?? addressOrNodeChanged(before, after);
  }

  private samePool(sorted: readonly Collector[]): boolean {
    if (sorted.length !== this.sortedCollectorIds.length) return false;
    return sorted.every((collector, i) => {
      const current = this.collectors.get(collector.id)?.collector;
      return (
        this.sortedCollectorIds[i] === collector.id && current?.nodeName === collector.nodeName
      );
    });
  }

  private finish(method: AllocationTiming['method'], started: number, force = false): void {
    const changed = this.changedJobs;
    const moved = this.moved;
    const moves = this.moves;
    this.changedJobs = new Set();
    this.moved = 0;
    this.moves = [];
    if (moves.length > 0) for (const listener of this.moveListeners) listener(moves);
    if (changed.size > 0 || force) {
      const version = ++this.versionCounter;
      for (const job of changed) {
        const state = this.jobs.get(job);
        if (state !== undefined) state.version = version;
        else this.goneJobVersions.set(job, version);
      }
      for (const listener of this.listeners) listener(changed);
    }
    this.onTiming?.({
      method,
      strategy: this.strategy.name,
      seconds: (this.now() - started) / 1000,
      moved,
    });
  }
}
