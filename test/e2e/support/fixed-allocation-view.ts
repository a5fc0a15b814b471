import type { AllocationView, Target } from '../../../src/allocator/model.js';

/**
 * A hand-filled AllocationView for server tests: the assignment is whatever the test sets, so a
 * test can state exactly what each collector must be served. Versions move like the real
 * allocator's (per job, and globally).
 */
export class FixedAllocationView implements AllocationView {
  version = 0;
  private readonly assignment = new Map<string, Map<string, Target[]>>();
  private readonly versions = new Map<string, number>();
  private collectors: string[] = [];
  unassigned = 0;

  setCollectors(ids: readonly string[]): void {
    this.collectors = [...ids].sort();
    this.version++;
    for (const job of this.assignment.keys()) this.bump(job);
  }

  /** Replaces the targets of `job` on `collectorId`. */
  assign(job: string, collectorId: string, targets: readonly Target[]): void {
    let byCollector = this.assignment.get(job);
    if (byCollector === undefined) {
      byCollector = new Map();
      this.assignment.set(job, byCollector);
    }
    byCollector.set(collectorId, [...targets]);
    this.bump(job);
    this.version++;
  }

  jobVersion(job: string): number {
    return this.versions.get(job) ?? 0;
  }

  jobNames(): readonly string[] {
    return [...this.assignment.keys()].filter((job) => this.targetCount(job) > 0).sort();
  }

  targetsFor(job: string, collectorId: string): readonly Target[] {
    if (!this.collectors.includes(collectorId)) return [];
    return this.assignment.get(job)?.get(collectorId) ?? [];
  }

  collectorIds(): readonly string[] {
    return this.collectors;
  }

  targetCountsByCollector(): ReadonlyMap<string, number> {
    const counts = new Map<string, number>(this.collectors.map((id) => [id, 0]));
    for (const byCollector of this.assignment.values()) {
      for (const [id, targets] of byCollector) {
        if (counts.has(id)) counts.set(id, (counts.get(id) ?? 0) + targets.length);
      }
    }
    return counts;
  }

  unassignedCount(): number {
    return this.unassigned;
  }

  targetCount(job: string): number {
    let n = 0;
    for (const targets of this.assignment.get(job)?.values() ?? []) n += targets.length;
    return n;
  }

  private bump(job: string): void {
    this.versions.set(job, this.jobVersion(job) + 1);
  }
}

export function makeTarget(
  job: string,
  address: string,
  extra: Record<string, string> = {},
): Target {
  return {
    id: `${job}/${address}`,
    job,
    address,
    labels: { __address__: address, ...extra },
    nodeName: undefined,
  };
}
