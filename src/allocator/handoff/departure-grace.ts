import type { Collector } from '../model.js';

/**
 * Keeps a departed collector in the pool for a short grace when a successor with the same id is
 * expected (a StatefulSet pod deleted and recreated under the same name: a rollout, an eviction,
 * `kubectl delete pod`). If the successor arrives in time, no target moves at all; otherwise the
 * targets move when the grace ends, at once, since the departed collector writes no staleness
 * markers. Other departures (Deployment pods, whose successors get new names; a static pool
 * edited by hand) apply at once.
 *
 * Pure: the caller passes the time in and re-applies the pool when `nextExpiryAt` comes.
 */
export class DepartureGrace {
  private readonly departed = new Map<string, { collector: Collector; until: number }>();
  private latest: readonly Collector[] = [];

  constructor(private readonly graceMs: number) {}

  /** The source's new pool; returns the pool to allocate to (departed ones within grace added). */
  update(current: readonly Collector[], now: number): Collector[] {
    const present = new Set(current.map((c) => c.id));
    for (const previous of this.latest) {
      if (present.has(previous.id) || this.departed.has(previous.id)) continue;
      if (this.graceMs > 0 && previous.returnsWithSameId === true) {
        this.departed.set(previous.id, { collector: previous, until: now + this.graceMs });
      }
    }
    for (const id of present) this.departed.delete(id);
    this.latest = current;
    return this.pool(now);
  }

  /** The pool to allocate to at `now`: the latest one plus the departed still within grace. */
  pool(now: number): Collector[] {
    for (const [id, { until }] of this.departed) if (until <= now) this.departed.delete(id);
    const result = [...this.latest];
    for (const { collector } of this.departed.values()) result.push(collector);
    return result;
  }

  /** Ids kept in the pool only by their grace. */
  departing(): string[] {
    return [...this.departed.keys()];
  }

  nextExpiryAt(): number | undefined {
    let next: number | undefined;
    for (const { until } of this.departed.values())
      if (next === undefined || until < next) next = until;
    return next;
  }
}
