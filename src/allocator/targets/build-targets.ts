import type { Labels, Target, TargetGroup } from '../model.js';
import { LabelWorkspace } from '../relabel/index.js';
import { targetNodeName } from './node-name.js';
import type { ScrapeJobSettings } from './scrape-job-settings.js';
import { IdentityHasher } from './target-identity.js';

/** The job's targets and what was left out, for metrics and logs. */
export interface TargetBuildReport {
  /** Deduplicated by `Target.id`; the first target with an id wins, in group then target order. */
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

const META_PREFIX = '__meta_';

function isEmpty(labels: Labels): boolean {
  for (const _ in labels) return false;
  return true;
}

/** Group labels, then target labels (the target's win). Shares the target's object when possible. */
function merge(group: Labels, target: Labels, groupIsEmpty: boolean): Labels {
  return groupIsEmpty ? target : { ...group, ...target };
}

/**
 * Turns one job's discovered target groups into targets, the way the upstream allocator does:
 * merge labels, seed the job's labels where absent, apply relabel_configs (when filtering), drop
 * what relabeling drops, and identify each target by its job and post-relabel labels without
 * `__meta_*`. `Target.labels` are the merged pre-relabel labels (no seeds), shared, not copied,
 * when the group has no labels of its own. Pass groups in a stable order (e.g. by source) so that
 * which duplicate survives is deterministic.
 */
export function buildJobTargets(
  settings: ScrapeJobSettings,
  groups: readonly TargetGroup[],
): TargetBuildReport {
  const { jobName, relabel, seedLabels } = settings;
  const hasher = new IdentityHasher();
  const seen = new Set<string>();
  const targets: Target[] = [];
  let discovered = 0;
  let withoutAddress = 0;
  let droppedByRelabel = 0;
  let duplicates = 0;
  const addLabel = (name: string, value: string): void => {
    if (!name.startsWith(META_PREFIX)) hasher.add(name, value);
  };
  for (const group of groups) {
    const groupIsEmpty = isEmpty(group.labels);
    for (const targetLabels of group.targets) {
      discovered++;
      const labels = merge(group.labels, targetLabels, groupIsEmpty);
      const address = labels.__address__;
      if (typeof address !== 'string' || address === '') {
        withoutAddress++;
        continue;
      }
      const workspace = new LabelWorkspace(labels, seedLabels);
      if (relabel !== undefined && relabel.run(workspace) === null) {
        droppedByRelabel++;
        continue;
      }
      hasher.begin(jobName);
      workspace.scan(addLabel);
      const id = hasher.digest();
      if (seen.has(id)) {
        duplicates++;
        continue;
      }
      seen.add(id);
      targets.push({ id, job: jobName, address, labels, nodeName: targetNodeName(labels) });
    }
  }
  return { targets, discovered, withoutAddress, droppedByRelabel, duplicates };
}

/** `buildJobTargets` without the counts. */
export function buildTargets(
  settings: ScrapeJobSettings,
  groups: readonly TargetGroup[],
): Target[] {
  return buildJobTargets(settings, groups).targets;
}
