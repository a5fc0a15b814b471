import { holdTimeBoundMs, staleMarkersDelayMs } from './handoff-timing.js';

/** Why a moved target was handed to its new owner. */
export const HANDOFF_REASONS = [
  'old_owner_polled',
  'old_owner_left',
  'old_owner_silent',
  'time_bound',
  'returned',
] as const;
export type HandoffReason = (typeof HANDOFF_REASONS)[number];

/** A target that left a collector in one allocation change. */
export interface TargetMove {
  readonly job: string;
  readonly targetId: string;
  readonly from: string;
  /** Undefined: the target is now unassigned. */
  readonly to: string | undefined;
}

export interface HandoffTrackerOptions {
  /**
   * How often collectors poll each job's targets: the configured refresh interval, or the
   * observed one when collectors poll slower (read at each move).
   */
  readonly refreshIntervalMs: () => number;
  /** The job's scrape interval. */
  readonly scrapeIntervalMs: (job: string) => number;
}

/**
 * Targets of one job moved away from one old owner in one allocation change: they share the move
 * time, the old owner's poll and the release time.
 */
interface HoldBatch {
  readonly job: string;
  readonly from: string;
  readonly movedAt: number;
  releaseAt: number;
  /** The old owner polled the job since the move. */
  polled: boolean;
  /** The release time is the poll's, not the time bound. */
  releaseByPoll: boolean;
  readonly targets: Set<string>;
}

/**
 * The handoff of moved targets between collectors (docs/rebalancing.md). When the allocation moves
 * a target away from a collector that stays in the pool, that collector goes on scraping it until
 * it polls again, and writes staleness markers about two scrape intervals after it stops. The
 * target is served to nobody until that is over: from the old owner's first poll after the move
 * plus the markers' delay, or at the latest one refresh interval later than that (the time bound,
 * so that the hold never depends on seeing a poll another allocator replica answered). A target
 * whose old owner left the pool, or went silent, is handed over at once: a collector that got
 * SIGTERM or was killed writes no staleness markers.
 *
 * Pure: the caller passes the time in and learns which jobs' served targets changed.
 */
export class HandoffTracker {
  private readonly holds = new Map<string, Map<string, HoldBatch>>();
  /** Batches whose old owner has not polled the job since the move, by job and old owner. */
  private readonly awaitingPoll = new Map<string, Map<string, Set<HoldBatch>>>();
  private readonly batches = new Set<HoldBatch>();
  private readonly completedCounts = new Map<HandoffReason, number>(
    HANDOFF_REASONS.map((reason) => [reason, 0]),
  );
  private held = 0;
  /** Jobs whose targets some collector has fetched from this process since it started. */
  private readonly polledJobs = new Set<string>();

  constructor(private readonly options: HandoffTrackerOptions) {}

  /**
   * Records the moves of one allocation change. `pool` is the pool after the change, `silent` the
   * collectors excluded because they stopped polling.
   */
  recordMoves(
    moves: readonly TargetMove[],
    pool: ReadonlySet<string>,
    silent: ReadonlySet<string>,
    now: number,
  ): void {
    const created = new Map<string, HoldBatch>();
    // Read once: it may scan every collector's polling period.
    let refreshMs: number | undefined;
    for (const move of moves) {
      const existing = this.holds.get(move.job)?.get(move.targetId);
      if (existing !== undefined) {
        // Still held for the collector that last scraped it, wherever it goes meanwhile; back to
        // that collector before it polled, it never learned of the move.
        if (move.to === existing.from && !existing.polled) {
          this.removeTarget(existing, move.targetId);
          this.count('returned', 1);
        }
        continue;
      }
      // Nobody has fetched this job's targets from this process yet (start-up, while discovery
      // fills in): the old owner cannot be scraping the target on this process's word, so there
      // is nothing to wait for. What an earlier process served is unknown here either way.
      if (!this.polledJobs.has(move.job)) continue;
      if (!pool.has(move.from)) {
        this.count(silent.has(move.from) ? 'old_owner_silent' : 'old_owner_left', 1);
        continue;
      }
      const key = `${move.job}\n${move.from}`;
      let batch = created.get(key);
      if (batch === undefined) {
        refreshMs ??= this.options.refreshIntervalMs();
        batch = this.newBatch(move.job, move.from, now, refreshMs);
        created.set(key, batch);
      }
      batch.targets.add(move.targetId);
      this.jobHolds(move.job).set(move.targetId, batch);
      this.held++;
    }
  }

  /**
   * A collector fetched this job's targets from this process: from now on its moves are held. The
   * caller passes only jobs that exist, so made-up names in poll URLs do not grow memory.
   */
  recordJobServed(job: string): void {
    this.polledJobs.add(job);
  }

  /** Whether a target is held back from its new owner. */
  isHeld(job: string, targetId: string): boolean {
    return this.holds.get(job)?.has(targetId) ?? false;
  }

  hasHolds(job: string): boolean {
    return this.holds.has(job);
  }

  /**
   * A collector polled a job's targets: from now on it knows the list without the targets moved
   * away from it. Returns true when a release moved earlier (the caller re-arms its timer).
   */
  recordPoll(job: string, collectorId: string, now: number): boolean {
    const byCollector = this.awaitingPoll.get(job);
    const waiting = byCollector?.get(collectorId);
    if (byCollector === undefined || waiting === undefined) return false;
    byCollector.delete(collectorId);
    if (byCollector.size === 0) this.awaitingPoll.delete(job);
    const releaseAt = now + staleMarkersDelayMs(this.options.scrapeIntervalMs(job));
    let earlier = false;
    for (const batch of waiting) {
      batch.polled = true;
      if (releaseAt < batch.releaseAt) {
        batch.releaseAt = releaseAt;
        batch.releaseByPoll = true;
        earlier = true;
      }
    }
    return earlier;
  }

  /** Releases every hold that is due; returns the jobs whose served targets changed. */
  releaseDue(now: number): Set<string> {
    const changed = new Set<string>();
    for (const batch of this.batches) {
      if (batch.releaseAt > now) continue;
      this.release(batch, batch.releaseByPoll ? 'old_owner_polled' : 'time_bound');
      changed.add(batch.job);
    }
    return changed;
  }

  /**
   * Old owners left the pool (`old_owner_left`) or stopped polling (`old_owner_silent`): they write
   * no staleness markers, so their holds end now. Returns the jobs whose served targets changed.
   */
  releaseFrom(collectorIds: ReadonlySet<string>, reason: HandoffReason): Set<string> {
    const changed = new Set<string>();
    for (const batch of this.batches) {
      if (!collectorIds.has(batch.from)) continue;
      this.release(batch, reason);
      changed.add(batch.job);
    }
    return changed;
  }

  /** The earliest release time, undefined without holds. */
  nextReleaseAt(): number | undefined {
    let next: number | undefined;
    for (const batch of this.batches)
      if (next === undefined || batch.releaseAt < next) next = batch.releaseAt;
    return next;
  }

  /** Targets held back now. */
  heldCount(): number {
    return this.held;
  }

  /** Targets held back now, per job. */
  heldByJob(): Map<string, number> {
    const result = new Map<string, number>();
    for (const [job, targets] of this.holds) result.set(job, targets.size);
    return result;
  }

  /** Age of the oldest hold, 0 without holds. */
  oldestHoldAgeMs(now: number): number {
    let oldest: number | undefined;
    for (const batch of this.batches)
      if (oldest === undefined || batch.movedAt < oldest) oldest = batch.movedAt;
    return oldest === undefined ? 0 : Math.max(0, now - oldest);
  }

  /** Targets handed over since start, by reason. */
  completed(): ReadonlyMap<HandoffReason, number> {
    return this.completedCounts;
  }

  private newBatch(job: string, from: string, now: number, refreshMs: number): HoldBatch {
    const batch: HoldBatch = {
      job,
      from,
      movedAt: now,
      releaseAt: now + holdTimeBoundMs(refreshMs, this.options.scrapeIntervalMs(job)),
      polled: false,
      releaseByPoll: false,
      targets: new Set(),
    };
    this.batches.add(batch);
    let byCollector = this.awaitingPoll.get(job);
    if (byCollector === undefined) {
      byCollector = new Map();
      this.awaitingPoll.set(job, byCollector);
    }
    let waiting = byCollector.get(from);
    if (waiting === undefined) {
      waiting = new Set();
      byCollector.set(from, waiting);
    }
    waiting.add(batch);
    return batch;
  }

  private jobHolds(job: string): Map<string, HoldBatch> {
    let targets = this.holds.get(job);
    if (targets === undefined) {
      targets = new Map();
      this.holds.set(job, targets);
    }
    return targets;
  }

  private release(batch: HoldBatch, reason: HandoffReason): void {
    const targets = this.holds.get(batch.job);
    for (const id of batch.targets) targets?.delete(id);
    if (targets?.size === 0) this.holds.delete(batch.job);
    this.count(reason, batch.targets.size);
    this.held -= batch.targets.size;
    this.dropBatch(batch);
  }

  private removeTarget(batch: HoldBatch, targetId: string): void {
    batch.targets.delete(targetId);
    const targets = this.holds.get(batch.job);
    targets?.delete(targetId);
    if (targets?.size === 0) this.holds.delete(batch.job);
    this.held--;
    if (batch.targets.size === 0) this.dropBatch(batch);
  }

  private dropBatch(batch: HoldBatch): void {
    this.batches.delete(batch);
    const byCollector = this.awaitingPoll.get(batch.job);
    const waiting = byCollector?.get(batch.from);
    if (byCollector === undefined || waiting === undefined) return;
    waiting.delete(batch);
    if (waiting.size > 0) return;
    byCollector.delete(batch.from);
    if (byCollector.size === 0) this.awaitingPoll.delete(batch.job);
  }

  private count(reason: HandoffReason, n: number): void {
    this.completedCounts.set(reason, (this.completedCounts.get(reason) ?? 0) + n);
  }
}
