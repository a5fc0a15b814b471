/**
 * How often each collector really polls, learned from its polls: for every (job, collector) the
 * time between its last two polls. The handoff's time bound and the silence check must not assume
 * faster polling than the collectors do: a config without `collector_refresh_interval` (the
 * allocator run on its own, behind collectors polling every 30 or 60 s) would otherwise end holds
 * before the old owner polled, or take a collector between two polls for dead.
 *
 * Pure: the caller passes the time in, and records only polls of jobs that exist by collectors of
 * the pool, so made-up names cannot grow memory.
 */
export class PollCadence {
  private readonly lastPollAt = new Map<string, Map<string, number>>();
  private readonly latestGap = new Map<string, Map<string, number>>();

  record(job: string, collectorId: string, now: number): void {
    let polls = this.lastPollAt.get(collectorId);
    if (polls === undefined) {
      polls = new Map();
      this.lastPollAt.set(collectorId, polls);
    }
    const previous = polls.get(job);
    polls.set(job, now);
    if (previous === undefined || now <= previous) return;
    let gaps = this.latestGap.get(collectorId);
    if (gaps === undefined) {
      gaps = new Map();
      this.latestGap.set(collectorId, gaps);
    }
    gaps.set(job, now - previous);
  }

  /** The collector's longest latest gap over its jobs; undefined until it polled a job twice. */
  periodMs(collectorId: string): number | undefined {
    const gaps = this.latestGap.get(collectorId);
    if (gaps === undefined) return undefined;
    let longest = 0;
    for (const gap of gaps.values()) longest = Math.max(longest, gap);
    return longest;
  }

  /** The longest period of all collectors; undefined when none is known. */
  longestPeriodMs(): number | undefined {
    let longest: number | undefined;
    for (const id of this.latestGap.keys()) {
      const period = this.periodMs(id) ?? 0;
      longest = Math.max(longest ?? 0, period);
    }
    return longest;
  }

  /** Starts the collector afresh (it comes back after a silence: that gap is no cadence). */
  forget(collectorId: string): void {
    this.lastPollAt.delete(collectorId);
    this.latestGap.delete(collectorId);
  }

  /** Forgets collectors that left the pool. */
  retain(pool: ReadonlySet<string>): void {
    for (const id of this.lastPollAt.keys()) {
      if (pool.has(id)) continue;
      this.lastPollAt.delete(id);
      this.latestGap.delete(id);
    }
  }
}
