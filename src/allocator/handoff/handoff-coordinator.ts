import type { Logger } from 'pino';
import type { Allocator, AllocatorMove } from '../allocator.js';
import type { DiscoveryClock } from '../discovery/clock.js';
import type { Collector } from '../model.js';
import { CollectorLiveness } from './collector-liveness.js';
import { DepartureGrace } from './departure-grace.js';
import { HandoffTracker, type HandoffReason } from './handoff-tracker.js';
import { HeldView } from './held-view.js';
import { PollCadence } from './poll-cadence.js';

export interface HandoffSettings {
  /** How often collectors poll each job's targets (`collector_refresh_interval`). */
  readonly refreshIntervalMs: number;
  /** No poll for this long from a collector seen polling: silent, its targets move (0: never). */
  readonly silenceMs: number;
  /** How long a departed StatefulSet pod keeps its targets for a same-named successor (0: none). */
  readonly departureGraceMs: number;
}

export interface HandoffCoordinatorDeps {
  readonly allocator: Allocator;
  readonly clock: DiscoveryClock;
  readonly logger: Logger;
  readonly settings: HandoffSettings;
  /** The job's scrape interval in ms. */
  readonly scrapeIntervalMs: (job: string) => number;
  /**
   * Whether a collector that departed into its grace is gone for good (a StatefulSet scale-down):
   * then its grace ends at once. Asked once per departure; false or absent keeps the grace.
   */
  readonly departureIsFinal?: ((collector: Collector) => Promise<boolean>) | undefined;
}

/** What the page and /metrics show about handoffs. */
export interface HandoffStatus {
  readonly held: number;
  readonly heldByJob: ReadonlyMap<string, number>;
  readonly oldestHoldAgeMs: number;
  readonly completed: ReadonlyMap<HandoffReason, number>;
  readonly silentCollectors: readonly string[];
  readonly departingCollectors: readonly string[];
  readonly settings: HandoffSettings;
}

/**
 * Runs the handoff (docs/rebalancing.md) around the allocator: it sits between the collector
 * source and the allocator (a departed StatefulSet pod stays for a grace, a silent collector is
 * left out), records the moves of every allocation change and the polls of the targets route,
 * and ends holds on one timer. Collectors read the allocation through `view`, which leaves held
 * targets out. The decisions are the pure HandoffTracker's, CollectorLiveness's and
 * DepartureGrace's; this class only feeds them the time and applies their answers.
 */
export class HandoffCoordinator {
  readonly view: HeldView;
  private readonly tracker: HandoffTracker;
  private readonly liveness: CollectorLiveness;
  private readonly cadence = new PollCadence();
  private readonly grace: DepartureGrace;
  /** The pool the allocator has, and the collectors left out of it for silence. */
  private poolIds: ReadonlySet<string> = new Set();
  private silentIds: ReadonlySet<string> = new Set();
  private cancelTimer: (() => void) | undefined;
  private timerAt: number | undefined;
  private poolCheckQueued = false;
  private stopped = false;
  private readonly logger: Logger;

  constructor(private readonly deps: HandoffCoordinatorDeps) {
    this.logger = deps.logger.child({ component: 'handoff' });
    this.tracker = new HandoffTracker({
      refreshIntervalMs: () =>
        Math.max(deps.settings.refreshIntervalMs, this.cadence.longestPeriodMs() ?? 0),
      scrapeIntervalMs: deps.scrapeIntervalMs,
    });
    this.liveness = new CollectorLiveness(deps.settings.silenceMs, (id) =>
      this.cadence.periodMs(id),
    );
    this.grace = new DepartureGrace(deps.settings.departureGraceMs);
    this.view = new HeldView(deps.allocator, this.tracker);
    deps.allocator.onMoves((moves) => this.recordMoves(moves));
  }

  /** The collector source's pool (the pods, or the static list). */
  setCollectors(collectors: readonly Collector[]): void {
    const now = this.deps.clock.now();
    const departing = new Set(this.grace.departing());
    this.grace.update(collectors, now);
    this.applyPool(now);
    for (const collector of this.grace.departures()) {
      if (!departing.has(collector.id)) this.checkDeparture(collector);
    }
  }

  /** A collector polled a job's targets (the targets route calls this for every request). */
  recordPoll(job: string, collectorId: string): void {
    if (this.stopped) return;
    const now = this.deps.clock.now();
    if (this.liveness.recordPoll(collectorId, now)) {
      this.logger.info(
        { collector: collectorId },
        'a silent collector polls again; it rejoins the pool',
      );
      this.cadence.forget(collectorId);
      this.queuePoolCheck();
    }
    // Only jobs that exist and collectors of the pool: made-up names must not grow memory.
    if (this.deps.allocator.targetCount(job) > 0) {
      this.tracker.recordJobServed(job);
      if (this.liveness.tracks(collectorId)) this.cadence.record(job, collectorId, now);
    }
    // The first poll of a collector starts its silence clock, which needs the timer too.
    if (this.tracker.recordPoll(job, collectorId, now) || this.timerAt === undefined) {
      this.armTimer(now);
    }
  }

  status(): HandoffStatus {
    const now = this.deps.clock.now();
    return {
      held: this.tracker.heldCount(),
      heldByJob: this.tracker.heldByJob(),
      oldestHoldAgeMs: this.tracker.oldestHoldAgeMs(now),
      completed: this.tracker.completed(),
      silentCollectors: [...this.silentIds].sort(),
      departingCollectors: this.grace.departing().sort(),
      settings: this.deps.settings,
    };
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  private recordMoves(moves: readonly AllocatorMove[]): void {
    const now = this.deps.clock.now();
    this.tracker.recordMoves(
      moves.map((move) => ({
        job: move.target.job,
        targetId: move.target.id,
        from: move.from,
        to: move.to,
      })),
      this.poolIds,
      this.silentIds,
      now,
    );
    this.armTimer(now);
  }

  /** Gives the allocator the source's pool, plus departed ones within grace, minus silent ones. */
  private applyPool(now: number): void {
    const candidates = this.grace.pool(now);
    const candidateIds = new Set(candidates.map((c) => c.id));
    this.liveness.setPool(candidateIds);
    this.cadence.retain(candidateIds);
    let silent = this.liveness.silent(now);
    // Every collector silent at once says more about this allocator (its Service, a network
    // policy, another replica answering them all) than about the collectors: leave the pool be.
    if (candidates.every((c) => silent.has(c.id))) silent = new Set();
    const pool = candidates.filter((c) => !silent.has(c.id));
    const previous = this.poolIds;
    const newlySilent = [...silent].filter((id) => !this.silentIds.has(id));
    if (newlySilent.length > 0) {
      this.logger.warn(
        { collectors: newlySilent, silenceMs: this.deps.settings.silenceMs },
        'collectors stopped polling; their targets move to the rest of the pool until they poll again',
      );
    }
    this.poolIds = new Set(pool.map((c) => c.id));
    this.silentIds = silent;
    this.deps.allocator.setCollectors(pool);
    const left = new Set([...previous].filter((id) => !this.poolIds.has(id) && !silent.has(id)));
    const changed = new Set([
      ...this.tracker.releaseFrom(left, 'old_owner_left'),
      ...this.tracker.releaseFrom(new Set(newlySilent), 'old_owner_silent'),
    ]);
    this.view.released(changed);
    this.armTimer(now);
  }

  /** Ends a new departure's grace when the pod is known not to return (asked at the edge). */
  private checkDeparture(collector: Collector): void {
    const isFinal = this.deps.departureIsFinal;
    if (isFinal === undefined) return;
    void isFinal(collector)
      .catch(() => false)
      .then((final) => {
        // It may have returned, or its grace ended, while the answer was on its way.
        if (!final || this.stopped || !this.grace.end(collector.id)) return;
        this.logger.info(
          { collector: collector.id },
          'a scale-down: the departed collector pod does not return; its targets move now',
        );
        this.applyPool(this.deps.clock.now());
      });
  }

  private queuePoolCheck(): void {
    if (this.poolCheckQueued) return;
    this.poolCheckQueued = true;
    // Out of the request that noticed it: re-placing targets can take a while on a big pool.
    this.deps.clock.setTimeout(() => {
      this.poolCheckQueued = false;
      if (!this.stopped) this.applyPool(this.deps.clock.now());
    }, 0);
  }

  private onTimer(): void {
    this.timerAt = undefined;
    this.cancelTimer = undefined;
    if (this.stopped) return;
    const now = this.deps.clock.now();
    const silent = this.liveness.silent(now);
    const silenceChanged =
      silent.size !== this.silentIds.size || [...silent].some((id) => !this.silentIds.has(id));
    const graceEnded = (this.grace.nextExpiryAt() ?? Infinity) <= now;
    if (silenceChanged || graceEnded) this.applyPool(now);
    this.view.released(this.tracker.releaseDue(now));
    this.armTimer(now);
  }

  /** One timer, for the earliest of: a hold's end, a collector turning silent, a grace's end. */
  private armTimer(now: number): void {
    if (this.stopped) return;
    const candidates = [
      this.tracker.nextReleaseAt(),
      this.liveness.nextSilenceAt(now),
      this.grace.nextExpiryAt(),
    ].filter((at): at is number => at !== undefined);
    const at = candidates.length === 0 ? undefined : Math.min(...candidates);
    if (at === this.timerAt) return;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.timerAt = at;
    if (at === undefined) return;
    this.cancelTimer = this.deps.clock.setTimeout(() => this.onTimer(), Math.max(0, at - now));
  }
}
