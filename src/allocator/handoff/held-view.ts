import type { AllocationView, Target } from '../model.js';
import type { HandoffTracker } from './handoff-tracker.js';

/**
 * The allocation as collectors are served it: every target on its collector, except targets held
 * back by the handoff. A hold that ends changes what the job serves without any allocation
 * change, so it bumps that job's version (`released`) and the response cache rebuilds that job's
 * bodies only; the bodies of collectors whose lists did not change are reused.
 */
export class HeldView implements AllocationView {
  private releases = 0;
  private readonly jobReleases = new Map<string, number>();

  constructor(
    private readonly inner: AllocationView,
    private readonly tracker: HandoffTracker,
  ) {}

  // Both parts only increase, so their sum changes whenever either does.
  get version(): number {
    return this.inner.version + this.releases;
  }

  jobVersion(job: string): number {
    return this.inner.jobVersion(job) + (this.jobReleases.get(job) ?? 0);
  }

  /** Holds of these jobs ended: their served lists changed. */
  released(jobs: Iterable<string>): void {
    for (const job of jobs) {
      this.jobReleases.set(job, (this.jobReleases.get(job) ?? 0) + 1);
      this.releases++;
    }
  }

  targetsFor(job: string, collectorId: string): readonly Target[] {
    const targets = this.inner.targetsFor(job, collectorId);
    if (!this.tracker.hasHolds(job)) return targets;
    return targets.filter((target) => !this.tracker.isHeld(job, target.id));
  }

  jobNames(): readonly string[] {
    return this.inner.jobNames();
  }

  collectorIds(): readonly string[] {
    return this.inner.collectorIds();
  }

  targetCountsByCollector(): ReadonlyMap<string, number> {
    return this.inner.targetCountsByCollector();
  }

  unassignedCount(): number {
    return this.inner.unassignedCount();
  }

  targetCount(job: string): number {
    return this.inner.targetCount(job);
  }
}
