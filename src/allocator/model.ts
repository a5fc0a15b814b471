/**
 * The allocation domain's shared vocabulary. Discovery produces `TargetGroup`s, the target
 * pipeline turns them into `Target`s, the allocator places targets on `Collector`s and the HTTP
 * server reads the result through `AllocationView`.
 */

/** A label set. Treated as immutable once built; shared, never copied per request. */
export type Labels = Readonly<Record<string, string>>;

/**
 * A Prometheus target group as discovery emits it. A group replaces any earlier group with the same
 * `source` from the same provider; a group with no targets clears that source.
 */
export interface TargetGroup {
  readonly source: string;
  readonly targets: readonly Labels[];
  readonly labels: Labels;
}

export interface Target {
  /** Identity: hash of the job and the sorted post-relabel labels without `__meta_*`. Equal ids dedup. */
  readonly id: string;
  readonly job: string;
  /** The pre-relabel `__address__`: the placement key of hashing strategies, so relabel changes never move a target. */
  readonly address: string;
  /** The pre-relabel merged labels (group labels, then target labels). Served as-is over HTTP SD. */
  readonly labels: Labels;
  /** The node the target runs on, for `per-node`; undefined when discovery did not tell. */
  readonly nodeName: string | undefined;
}

export interface Collector {
  /** The collector's id: its pod name on Kubernetes, or an id from the static pool. */
  readonly id: string;
  readonly nodeName?: string | undefined;
  /**
   * A successor with the same id is expected when this collector goes (a StatefulSet pod), so its
   * departure waits a short grace before targets move (handoff/departure-grace.ts).
   */
  readonly returnsWithSameId?: boolean | undefined;
}

/** Read side of the allocator, for the HTTP API, metrics and the human page. */
export interface AllocationView {
  /** Increases on every change; cheap to compare. */
  readonly version: number;
  /** Increases whenever that job's assignment (or the collector set) changes. */
  jobVersion(job: string): number;
  /** Jobs that currently have at least one target, sorted. */
  jobNames(): readonly string[];
  /** Targets of `job` assigned to `collectorId`, in a stable order; O(result). Unknown job or collector: empty. */
  targetsFor(job: string, collectorId: string): readonly Target[];
  /** Collector ids, sorted. */
  collectorIds(): readonly string[];
  /** Number of assigned targets per collector (all jobs). */
  targetCountsByCollector(): ReadonlyMap<string, number>;
  /** Targets known but not placed (no collector yet, or per-node without a match or fallback). */
  unassignedCount(): number;
  /** Number of targets of a job, assigned or not. */
  targetCount(job: string): number;
}

/** Write side: both operations diff against current state and touch only what changed. */
export interface AllocationWriter {
  /** Replaces the targets of one job (dedup by `Target.id`); an empty list removes the job. */
  setJobTargets(job: string, targets: readonly Target[]): void;
  /** Replaces the collector pool; survivors keep their targets where the strategy allows. */
  setCollectors(collectors: readonly Collector[]): void;
  /** Called after every change with the jobs whose assignment changed. */
  onChange(listener: (changedJobs: ReadonlySet<string>) => void): () => void;
}
