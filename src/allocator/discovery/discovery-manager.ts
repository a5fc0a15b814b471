import type { Logger } from 'pino';
import type { AllocatorMetrics } from '../metrics.js';
import type { AllocationWriter, Target, TargetGroup } from '../model.js';
import type { DiscoveryClock } from './clock.js';
import { withoutDuplicates } from '../targets/duplicate-targets.js';
import type { JobPlan, PlannedProvider } from './job-plan.js';

export interface DiscoveryManagerOptions {
  readonly writer: Pick<AllocationWriter, 'setJobTargets'>;
  readonly logger: Logger;
  readonly clock: DiscoveryClock;
  readonly metrics?: AllocatorMetrics | undefined;
  /**
   * How long after the first event of a burst the changed jobs are recomputed. Short enough that a
   * change is served well within a second, long enough that a burst (a rollout touching many
   * endpoints, a file rewritten in several writes) is processed once.
   */
  readonly coalesceMs?: number;
}

/** A provider's groups: its last complete list as it came, or its updates merged by source. */
type GroupsOfProvider =
  | { readonly generation: number; readonly complete: readonly TargetGroup[] }
  | { readonly generation: number; readonly bySource: Map<string, TargetGroup> };

interface RunningProvider {
  readonly generation: number;
  readonly planned: PlannedProvider;
}

interface RunningJob {
  plan: JobPlan;
  providers: Map<string, RunningProvider>;
  readonly groups: Map<string, GroupsOfProvider>;
  /**
   * Targets built from each group, kept while the group object is in use: providers replace only
   * the groups that changed, so a change to one source rebuilds that source's targets alone.
   * Reset when the job's settings (relabel rules) change.
   */
  built: WeakMap<TargetGroup, BuiltGroup>;
}

/**
 * A group's targets as cached: the target itself when there is exactly one (file_sd and http_sd
 * groups often hold one target each, and a one-element array per target costs ~180 bytes), else
 * an exactly sized array.
 */
type BuiltGroup = Target | readonly Target[];

function cacheForm(built: readonly Target[]): BuiltGroup {
  return built.length === 1 ? built[0]! : built.slice();
}

export const DEFAULT_COALESCE_MS = 50;

/**
 * Runs the discovery providers of every job, merges their groups by (provider, source) and,
 * shortly after a change, rebuilds the targets of just the jobs that changed and hands them to
 * the allocator. `apply` swaps in a new set of jobs and keeps the providers of jobs whose
 * discovery did not change, so a reload does not restart discovery that it did not touch.
 */
export class DiscoveryManager {
  private readonly jobs = new Map<string, RunningJob>();
  private readonly dirty = new Set<string>();
  private readonly listeners = new Set<(jobs: readonly string[]) => void>();
  private cancelTimer: (() => void) | undefined;
  private generation = 0;
  private stopped = false;
  private readonly coalesceMs: number;
  private readonly logger: Logger;

  constructor(private readonly options: DiscoveryManagerOptions) {
    this.coalesceMs = options.coalesceMs ?? DEFAULT_COALESCE_MS;
    this.logger = options.logger.child({ component: 'discovery' });
  }

  jobNames(): string[] {
    return [...this.jobs.keys()].sort();
  }

  /** Called after each batch of jobs was recomputed and handed to the allocator. */
  onProcessed(listener: (jobs: readonly string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Makes `plans` the running set of jobs. Resolves once new providers have started. */
  async apply(plans: readonly JobPlan[]): Promise<void> {
    const wanted = new Map(plans.map((p) => [p.name, p]));
    for (const [name, job] of [...this.jobs]) {
      if (wanted.has(name)) continue;
      this.jobs.delete(name);
      this.dirty.delete(name);
      await this.stopProviders(job.providers.values());
      this.options.writer.setJobTargets(name, []);
      this.options.metrics?.targets.remove({ job_name: name });
    }
    for (const plan of plans) {
      const job = this.jobs.get(plan.name);
      // The very same plan (a job from another source that did not change): nothing to redo.
      if (job?.plan === plan) continue;
      if (job === undefined) {
        const created: RunningJob = {
          plan,
          providers: new Map(),
          groups: new Map(),
          built: new WeakMap(),
        };
        this.jobs.set(plan.name, created);
        await this.startProviders(created, plan.providers);
      } else if (job.plan.discoveryFingerprint === plan.discoveryFingerprint) {
        job.plan = plan;
        job.built = new WeakMap();
      } else {
        await this.replaceProviders(job, plan);
      }
      this.markDirty(plan.name);
    }
  }

  /** Recomputes the changed jobs now instead of at the end of the coalescing window. */
  flush(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.process();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const jobs = [...this.jobs.values()];
    this.jobs.clear();
    await Promise.all(jobs.map((job) => this.stopProviders(job.providers.values())));
  }

  private async replaceProviders(job: RunningJob, plan: JobPlan): Promise<void> {
    const old = [...job.providers.values()];
    job.plan = plan;
    job.built = new WeakMap();
    job.providers = new Map();
    const keys = new Set(plan.providers.map((p) => p.key));
    // Groups of a provider that still exists stay until its successor first reports, so a reload
    // does not flap the job's targets to empty and back.
    for (const key of [...job.groups.keys()]) if (!keys.has(key)) job.groups.delete(key);
    await this.startProviders(job, plan.providers);
    await this.stopProviders(old);
  }

  private async startProviders(
    job: RunningJob,
    providers: readonly PlannedProvider[],
  ): Promise<void> {
    await Promise.all(
      providers.map(async (planned) => {
        const generation = ++this.generation;
        job.providers.set(planned.key, { generation, planned });
        try {
          await planned.provider.start((groups, complete) =>
            this.receive(job, planned, generation, groups, complete === true),
          );
        } catch (err) {
          this.logger.error(
            { err, job: job.plan.name, provider: planned.key },
            'discovery provider failed to start',
          );
          this.options.metrics?.discoveryErrors.inc({
            job_name: job.plan.name,
            mechanism: planned.mechanism,
          });
        }
      }),
    );
  }

  private async stopProviders(providers: Iterable<RunningProvider>): Promise<void> {
    await Promise.all(
      [...providers].map(async ({ planned }) => {
        try {
          await planned.provider.stop();
        } catch (err) {
          this.logger.warn({ err, provider: planned.key }, 'discovery provider failed to stop');
        }
      }),
    );
  }

  private receive(
    job: RunningJob,
    planned: PlannedProvider,
    generation: number,
    groups: readonly TargetGroup[],
    complete: boolean,
  ): void {
    // A provider that was replaced or stopped may still report once; its news is stale.
    if (this.stopped || this.jobs.get(job.plan.name) !== job) return;
    if (job.providers.get(planned.key)?.generation !== generation) return;
    if (complete) {
      job.groups.set(planned.key, { generation, complete: groups });
    } else {
      const entry = job.groups.get(planned.key);
      const current = entry?.generation === generation ? entry : undefined;
      const bySource =
        current === undefined ? new Map<string, TargetGroup>() : sourceIndex(current);
      for (const group of groups) {
        if (group.targets.length === 0) bySource.delete(group.source);
        else bySource.set(group.source, group);
      }
      if (current === undefined || !('bySource' in current)) {
        job.groups.set(planned.key, { generation, bySource });
      }
    }
    this.options.metrics?.events.inc({ source: planned.mechanism });
    this.markDirty(job.plan.name);
  }

  private markDirty(name: string): void {
    if (this.stopped) return;
    this.dirty.add(name);
    if (this.cancelTimer !== undefined) return;
    this.cancelTimer = this.options.clock.setTimeout(() => {
      this.cancelTimer = undefined;
      this.process();
    }, this.coalesceMs);
  }

  private process(): void {
    if (this.dirty.size === 0) return;
    const names = [...this.dirty].sort();
    this.dirty.clear();
    const done: string[] = [];
    for (const name of names) {
      const job = this.jobs.get(name);
      if (job === undefined) continue;
      const started = performance.now();
      try {
        const targets = buildJob(job);
        this.options.writer.setJobTargets(name, targets);
        this.options.metrics?.targets.set({ job_name: name }, targets.length);
        done.push(name);
      } catch (err) {
        this.logger.error({ err, job: name }, 'cannot build the targets of a job');
      }
      this.options.metrics?.processTargetsDuration.observe((performance.now() - started) / 1000);
    }
    for (const listener of this.listeners) listener(done);
  }
}

/**
 * The job's targets: each group's built targets (from the cache when the group is unchanged),
 * one per id as the rule of duplicate-targets.ts chooses, as a single build would.
 */
function buildJob(job: RunningJob): Target[] {
  const targets: Target[] = [];
  const take = (target: Target): void => {
    targets.push(target);
  };
  for (const group of mergedGroups(job)) {
    let built = job.built.get(group);
    if (built === undefined) {
      built = cacheForm(job.plan.buildTargets([group]));
      job.built.set(group, built);
    }
    if (isTargetList(built)) for (const target of built) take(target);
    else take(built);
  }
  return withoutDuplicates(targets);
}

function isTargetList(built: BuiltGroup): built is readonly Target[] {
  return Array.isArray(built);
}

/** The groups of a provider by source (a complete list is indexed when updates follow it). */
function sourceIndex(entry: GroupsOfProvider): Map<string, TargetGroup> {
  if ('bySource' in entry) return entry.bySource;
  const bySource = new Map<string, TargetGroup>();
  for (const group of entry.complete)
    if (group.targets.length > 0) bySource.set(group.source, group);
  return bySource;
}

/**
 * All groups of a job in a canonical order, so builds are deterministic: by provider key, then a
 * complete list in the provider's own order (files sorted by path, groups in file order; the same
 * on every replica reading the same sources), updates by source.
 */
function mergedGroups(job: RunningJob): TargetGroup[] {
  const result: TargetGroup[] = [];
  for (const key of [...job.groups.keys()].sort()) {
    const entry = job.groups.get(key);
    if (entry === undefined) continue;
    if ('complete' in entry) {
      for (const group of entry.complete) if (group.targets.length > 0) result.push(group);
      continue;
    }
    for (const source of [...entry.bySource.keys()].sort()) {
      const group = entry.bySource.get(source);
      if (group !== undefined) result.push(group);
    }
  }
  return result;
}
