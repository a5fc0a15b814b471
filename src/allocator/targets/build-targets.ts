import type { Labels, Target, TargetGroup } from '../model.js';
import { LabelMerger, LabelWorkspace, type RelabelProgram } from '../relabel/index.js';
import { GroupPlanner, type GroupPlan } from './group-plan.js';
import { GroupedTarget } from './grouped-target.js';
import { withoutDuplicates } from './duplicate-targets.js';
import { targetNodeName } from './node-name.js';
import type { ScrapeJobSettings } from './scrape-job-settings.js';
import {
  hashedName,
  IdentityHasher,
  sumOf,
  type HashedName,
  type LabelSum,
} from './target-identity.js';

/** The job's targets and what was left out, for metrics and logs. */
export interface TargetBuildReport {
  /** One per `Target.id`, chosen by the rule of duplicate-targets.ts; in group then target order. */
  readonly targets: Target[];
  /** Targets seen in the groups. */
  readonly discovered: number;
  /** Dropped because they had no `__address__`. */
  readonly withoutAddress: number;
  /** Dropped by relabel_configs. */
  readonly droppedByRelabel: number;
  /** Left out because an earlier target had the same identity. */
  readonly duplicates: number;
}

/** What became of one group's targets; kept per group object so an unchanged group costs nothing. */
interface GroupOutcome {
  readonly kept: readonly Target[];
  readonly withoutAddress: number;
  readonly droppedByRelabel: number;
}

const META_PREFIX = '__meta_';

/**
 * One merger for all builders: its compiled per-layout merge functions then survive one-shot
 * `buildTargets` calls. Safe to share, since building is synchronous.
 */
const SHARED_MERGER = new LabelMerger();

/** Per merged key layout: which keys count for the identity, which seeds the layout may hide. */
interface IdentityPlan {
  readonly hashedKeys: readonly HashedName[];
  /** Seeds whose name is not a key of the layout: they always apply, so they are summed once. */
  readonly seedsAlways: LabelSum;
  /** Seeds whose name is a key: they apply when the discovered value is empty. */
  readonly seedsIfEmpty: readonly (readonly [string, string])[];
}

function isEmpty(labels: Labels): boolean {
  for (const _ in labels) return false;
  return true;
}

/** Groups smaller than this are relabeled target by target: planning would not pay off. */
const MIN_PLANNED_GROUP = 4;
const NO_LABELS: Labels = Object.freeze({});

const WITHOUT_ADDRESS = 'without-address';
const DROPPED = 'dropped';
/** A built target, or why there is none. */
type Built = Target | typeof WITHOUT_ADDRESS | typeof DROPPED;

/**
 * Turns one job's discovered target groups into targets, the way the upstream allocator does:
 * merge labels (group, then target; the target's win), seed the job's labels where absent, apply
 * relabel_configs (when filtering), drop what relabeling drops, and identify each target by its
 * job and post-relabel labels without `__meta_*` (see target-identity.ts).
 *
 * Relabeling reads the group and target labels in place; only kept targets get a merged label
 * object (`Target.labels`, pre-relabel, no seeds), and a target of a group without labels shares
 * its discovered object. Groups are immutable, so the outcome per group object is remembered: a
 * rebuild after one group changed only processes that group. Pass groups in a stable order (e.g.
 * by source) so that the order of the targets is deterministic; which of several duplicates is
 * kept does not depend on it (duplicate-targets.ts).
 */
export class TargetBuilder {
  private outcomes = new WeakMap<TargetGroup, GroupOutcome>();
  private readonly hasher = new IdentityHasher();
  private readonly merger = SHARED_MERGER;
  private readonly plans = new WeakMap<readonly string[], IdentityPlan>();
  /** Reused for every planned target: building is synchronous and nothing keeps a workspace. */
  private readonly plannedWorkspace = new LabelWorkspace({});
  private readonly hashChange = (name: string, before: string, after: string): void => {
    if (name.startsWith(META_PREFIX)) return;
    if (before !== '') this.hasher.remove(name, before);
    if (after !== '') this.hasher.add(name, after);
  };

  /**
   * @param options.planGroups relabel per group where possible (group-plan.ts); false relabels every
   *   target whole, the reference the planned path is tested against.
   * @param options.rememberGroups keep each group's outcome for the next build (default true);
   *   false when the caller caches per group itself.
   */
  constructor(
    readonly settings: ScrapeJobSettings,
    private readonly options: {
      readonly planGroups?: boolean;
      readonly rememberGroups?: boolean;
    } = {},
  ) {}

  build(groups: readonly TargetGroup[]): TargetBuildReport {
    const kept: Target[] = [];
    let discovered = 0;
    let withoutAddress = 0;
    let droppedByRelabel = 0;
    for (const group of groups) {
      let outcome = this.outcomes.get(group);
      if (outcome === undefined) {
        outcome = this.processGroup(group);
        if (this.options.rememberGroups ?? true) this.outcomes.set(group, outcome);
      }
      discovered += group.targets.length;
      withoutAddress += outcome.withoutAddress;
      droppedByRelabel += outcome.droppedByRelabel;
      for (const target of outcome.kept) kept.push(target);
    }
    const targets = withoutDuplicates(kept);
    const duplicates = discovered - withoutAddress - droppedByRelabel - targets.length;
    return { targets, discovered, withoutAddress, droppedByRelabel, duplicates };
  }

  /** Forgets remembered outcomes (e.g. to measure a cold build). */
  reset(): void {
    this.outcomes = new WeakMap();
  }

  private processGroup(group: TargetGroup): GroupOutcome {
    const relabel = this.settings.relabel;
    const groupLabels = isEmpty(group.labels) ? undefined : group.labels;
    const planner =
      (this.options.planGroups ?? true) &&
      relabel !== undefined &&
      group.targets.length >= MIN_PLANNED_GROUP
        ? new GroupPlanner(relabel, groupLabels ?? NO_LABELS, this.settings.seedLabels)
        : undefined;
    const kept: Target[] = [];
    let withoutAddress = 0;
    let droppedByRelabel = 0;
    for (const own of group.targets) {
      const plan = planner?.planFor(own);
      const built =
        plan === undefined
          ? this.buildWhole(own, groupLabels)
          : this.buildPlanned(own, groupLabels, plan, relabel!);
      if (built === WITHOUT_ADDRESS) withoutAddress++;
      else if (built === DROPPED) droppedByRelabel++;
      else kept.push(built);
    }
    return { kept, withoutAddress, droppedByRelabel };
  }

  /** One target through `identify`: every rule on its merged labels. */
  private buildWhole(own: Labels, groupLabels: Labels | undefined): Built {
    const id = this.identify(own, groupLabels);
    if (id === undefined) return WITHOUT_ADDRESS;
    if (id === null) return DROPPED;
    const job = this.settings.jobName;
    // The merged object served relabeling; the target keeps the discovered objects instead of a
    // copy (see GroupedTarget), which for one-target groups (file_sd, http_sd) halves the labels held.
    if (groupLabels !== undefined) {
      return new GroupedTarget(id, job, this.lastAddress, own, groupLabels);
    }
    const labels = this.lastMerged!;
    return { id, job, address: this.lastAddress, labels, nodeName: targetNodeName(labels) };
  }

  /** One target by its group's plan (see group-plan.ts): only the rules that read its own labels. */
  private buildPlanned(
    own: Labels,
    groupLabels: Labels | undefined,
    plan: GroupPlan,
    relabel: RelabelProgram,
  ): Built {
    const ownAddress = own.__address__;
    const address = typeof ownAddress === 'string' ? ownAddress : (groupLabels?.__address__ ?? '');
    if (address === '') return WITHOUT_ADDRESS;
    const id = this.identifyPlanned(own, plan, relabel);
    if (id === null) return DROPPED;
    const job = this.settings.jobName;
    return groupLabels === undefined
      ? { id, job, address, labels: own, nodeName: targetNodeName(own) }
      : new GroupedTarget(id, job, address, own, groupLabels);
  }

  /** `identify` for a target with an address, by its group's plan: its id, null when dropped. */
  private identifyPlanned(own: Labels, plan: GroupPlan, relabel: RelabelProgram): string | null {
    if (plan.dropped) return null;
    const labels = this.plannedWorkspace.reset(own, plan.fallback, plan.defaults);
    for (const step of plan.steps) if (!relabel.runStep(step, labels)) return null;
    const hasher = this.hasher;
    hasher.begin(this.settings.jobName);
    hasher.addSum(plan.staticSum);
    for (const name of plan.hashed) {
      const value = labels.get(name.name);
      if (value !== '') hasher.addNamed(name, value);
    }
    return hasher.digest();
  }

  /** The merged labels and address of the target `identify` last returned an id for. */
  private lastMerged: Labels | undefined;
  private lastAddress = '';

  /**
   * Seeds, relabels and identifies one discovered target: its id, undefined when it has no
   * `__address__`, null when relabeling drops it. The filter alone, without building a Target
   * (public for the benchmark).
   */
  identify(own: Labels, groupLabels: Labels | undefined): string | null | undefined {
    const { relabel, seedLabels } = this.settings;
    const labels = new LabelWorkspace(own, groupLabels, seedLabels, this.merger);
    const address = labels.get('__address__');
    if (address === '') return undefined;
    if (relabel !== undefined && relabel.run(labels) === null) return null;
    const merged = labels.merged();
    const keys = labels.mergedLayout();
    this.lastMerged = merged;
    this.lastAddress = address;
    return this.identity(merged, labels, keys);
  }

  /**
   * Hash of the job and the post-relabel labels without `__meta_*`: discovered + seeds + changes.
   * With the merged key layout known, the keys to hash are worked out once per layout instead of
   * testing every label of every target for the `__meta_` prefix.
   */
  private identity(
    merged: Labels,
    labels: LabelWorkspace,
    keys: readonly string[] | undefined,
  ): string {
    const hasher = this.hasher;
    hasher.begin(this.settings.jobName);
    if (keys === undefined) {
      this.hashDiscovered(merged);
    } else {
      const plan = this.planFor(keys);
      for (const name of plan.hashedKeys) {
        const value = merged[name.name]!;
        if (value !== '') hasher.addNamed(name, value);
      }
      hasher.addSum(plan.seedsAlways);
      for (const [name, value] of plan.seedsIfEmpty)
        if (merged[name] === '') hasher.add(name, value);
    }
    labels.forEachChange(this.hashChange);
    return hasher.digest();
  }

  private hashDiscovered(merged: Labels): void {
    const hasher = this.hasher;
    const seeds = this.settings.seedLabels;
    for (const name in merged) {
      const value = merged[name]!;
      if (value !== '' && !name.startsWith(META_PREFIX)) hasher.add(name, value);
    }
    for (const name in seeds) {
      const value = merged[name];
      if (typeof value !== 'string' || value === '') hasher.add(name, seeds[name]!);
    }
  }

  private planFor(keys: readonly string[]): IdentityPlan {
    let plan = this.plans.get(keys);
    if (plan === undefined) {
      const present = new Set(keys);
      const seeds = Object.entries(this.settings.seedLabels);
      plan = {
        hashedKeys: keys.filter((k) => !k.startsWith(META_PREFIX)).map(hashedName),
        seedsAlways: sumOf(seeds.filter(([name]) => !present.has(name))),
        seedsIfEmpty: seeds.filter(([name]) => present.has(name)),
      };
      this.plans.set(keys, plan);
    }
    return plan;
  }
}

/** One-shot form of `TargetBuilder.build`. */
export function buildJobTargets(
  settings: ScrapeJobSettings,
  groups: readonly TargetGroup[],
): TargetBuildReport {
  return new TargetBuilder(settings).build(groups);
}

/** `buildJobTargets` without the counts. */
export function buildTargets(
  settings: ScrapeJobSettings,
  groups: readonly TargetGroup[],
): Target[] {
  return buildJobTargets(settings, groups).targets;
}
