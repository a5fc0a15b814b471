/**
 * Which collectors of the pool stopped polling: a collector killed without leaving the pool
 * (SIGKILL, OOM, a lost node whose pod still reads Running) polls no more, and its targets would
 * go unscraped until Kubernetes notices. A collector counts as silent once this allocator has
 * seen it poll and then heard nothing from it for `silenceMs`; one never seen polling here is
 * never silent (another allocator replica may be serving it, or it is not configured to poll).
 *
 * Pure: the caller passes the time in. Only pool members are tracked, so requests carrying made-up
 * collector ids cannot grow memory.
 */
export class CollectorLiveness {
  private readonly lastPollAt = new Map<string, number>();
  private pool: ReadonlySet<string> = new Set();

  /**
   * `silenceMs` 0 turns the check off. `periodMs` is the collector's observed polling period
   * (PollCadence), undefined while unknown.
   */
  constructor(
    private readonly silenceMs: number,
    private readonly periodMs: (collectorId: string) => number | undefined = () => 0,
  ) {}

  /** The collectors currently in the pool (silent ones included); others are forgotten. */
  setPool(pool: ReadonlySet<string>): void {
    this.pool = pool;
    for (const id of this.lastPollAt.keys()) if (!pool.has(id)) this.lastPollAt.delete(id);
  }

  /** Whether the collector is one of the pool's. */
  tracks(collectorId: string): boolean {
    return this.pool.has(collectorId);
  }

  /** Records a poll; returns true when the collector was silent until now. */
  recordPoll(collectorId: string, now: number): boolean {
    if (!this.pool.has(collectorId)) return false;
    const wasSilent = this.isSilent(collectorId, now);
    this.lastPollAt.set(collectorId, now);
    return wasSilent;
  }

  /** The pool members that are silent at `now`. */
  silent(now: number): Set<string> {
    const result = new Set<string>();
    for (const id of this.lastPollAt.keys()) if (this.isSilent(id, now)) result.add(id);
    return result;
  }

  /** When the next collector that polls now would turn silent; undefined when none can. */
  nextSilenceAt(now: number): number | undefined {
    if (this.silenceMs === 0) return undefined;
    let next: number | undefined;
    for (const [id, at] of this.lastPollAt) {
      const threshold = this.thresholdMs(id);
      if (threshold === undefined) continue;
      const silentAt = at + threshold;
      if (silentAt > now && (next === undefined || silentAt < next)) next = silentAt;
    }
    return next;
  }

  /** How long this collector may stay quiet; undefined while its polling period is unknown. */
  private thresholdMs(collectorId: string): number | undefined {
    const period = this.periodMs(collectorId);
    return period === undefined ? undefined : Math.max(this.silenceMs, 3 * period);
  }

  private isSilent(collectorId: string, now: number): boolean {
    if (this.silenceMs === 0) return false;
    const at = this.lastPollAt.get(collectorId);
    const threshold = this.thresholdMs(collectorId);
    return at !== undefined && threshold !== undefined && now - at >= threshold;
  }
}
