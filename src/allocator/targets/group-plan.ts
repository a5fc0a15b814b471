import type { Labels } from '../model.js';
import { LabelWorkspace, type RelabelProgram, type RelabelRule } from '../relabel/index.js';
import { compileTemplate } from '../relabel/template.js';
import { hashedName, sumOf, type HashedName, type LabelSum } from './target-identity.js';

/**
 * Relabeling specialised to one target group.
 *
 * The targets of a group share its labels (an EndpointSlice's service and namespace labels, a
 * pod's labels for its ports), and typical relabel rules mostly read those: `keep` on a service
 * annotation, `labelmap` of service labels, copies of the namespace. Such a rule gives the same
 * outcome for every target of the group, so it is evaluated once per group; only the rules that
 * read a target's own labels (or what such rules wrote) run per target.
 *
 * A label is *tainted* when its value may differ between targets: the targets' own label names
 * (all targets planned together have the same names) and whatever a per-target rule writes. A rule
 * reading no tainted label is *static*: it runs once on the group's workspace. The plan then
 * replays, per target, only the dynamic rules, on a workspace whose fallback is the group's final
 * static label set. That equals running every rule in order on each target when:
 * - no static rule writes a label that a dynamic rule read or wrote before it (the dynamic rule
 *   would otherwise see, or be overridden by, a value from later in the sequence): such a rule
 *   runs per target too;
 * - rules that act on label names (labelmap, labeldrop, labelkeep) touch no tainted name, and
 *   rules with a templated target label are static: otherwise the group is not planned at all
 *   and each target goes through the general path.
 * Identity hashing follows the same split: untainted labels are summed once per group.
 */
export interface GroupPlan {
  /** A static rule dropped the group: every target with this layout is dropped. */
  readonly dropped: boolean;
  /** The final labels of the static rules: group labels, applicable seeds and static changes. */
  readonly fallback: Labels;
  /** Seeds whose name is one of the targets' own (a target's empty value falls back to the seed). */
  readonly defaults: Labels | undefined;
  /** Indices of the rules to run per target, in order. */
  readonly steps: readonly number[];
  /** Tainted label names that count for the identity (not `__meta_*`). */
  readonly hashed: readonly HashedName[];
  /** Identity sum of the untainted final labels (not `__meta_*`, not empty). */
  readonly staticSum: LabelSum;
}

const META_PREFIX = '__meta_';

type Access =
  | { readonly kind: 'fields'; readonly reads: readonly string[]; readonly writes?: string }
  | { readonly kind: 'names'; readonly touches: (name: string) => boolean }
  | { readonly kind: 'opaque' };

function accessOf(rule: RelabelRule): Access {
  const reads = rule.sourceLabels;
  switch (rule.action) {
    case 'replace':
      return rule.targetLabel.includes('$')
        ? { kind: 'opaque' }
        : { kind: 'fields', reads, writes: rule.targetLabel };
    case 'hashmod':
    case 'lowercase':
    case 'uppercase':
      return { kind: 'fields', reads, writes: rule.targetLabel };
    case 'keep':
    case 'drop':
      return { kind: 'fields', reads };
    case 'keepequal':
    case 'dropequal':
      return { kind: 'fields', reads: [...reads, rule.targetLabel] };
    case 'labelmap':
    case 'labeldrop':
      return { kind: 'names', touches: (name) => rule.regex.test(name) };
    case 'labelkeep':
      return { kind: 'names', touches: (name) => !rule.regex.test(name) };
  }
}

/** The names a `labelmap` rule sets on the workspace's current labels (none for other actions). */
function labelmapTargets(rule: RelabelRule, labels: LabelWorkspace): string[] {
  if (rule.action !== 'labelmap') return [];
  const replacement = compileTemplate(rule.replacement);
  const targets: string[] = [];
  labels.scan((name) => {
    const match = rule.regex.exec(name);
    if (match !== null) targets.push(replacement.literal ?? replacement.expand(match));
  });
  return targets;
}

/** Names whose value `after` changed relative to `before` (both from `LabelWorkspace.changes`). */
function written(
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
): string[] {
  const out: string[] = [];
  for (const [name, value] of after) if (before.get(name) !== value) out.push(name);
  return out;
}

/**
 * Plans `program` for the targets of one group whose own label names are `layout`. Undefined when
 * the rules cannot be split safely (see `GroupPlan`); the caller then relabels each target whole.
 */
export function planGroup(
  program: RelabelProgram,
  groupLabels: Labels,
  layout: readonly string[],
  seeds: Labels,
): GroupPlan | undefined {
  const tainted = new Set(layout);
  const dynamicReads = new Set<string>();
  const steps: number[] = [];
  const group = new LabelWorkspace(groupLabels, undefined, seeds);
  const rules = program.rules;
  for (let i = 0; i < rules.length; i++) {
    const access = accessOf(rules[i]!);
    if (access.kind === 'opaque') return undefined;
    if (access.kind === 'names') {
      for (const name of tainted) if (access.touches(name)) return undefined;
      // A labelmap may set a label a per-target rule wrote or read before it to the value it
      // already has on the group: no visible change here, but per target it must come after.
      for (const name of labelmapTargets(rules[i]!, group))
        if (tainted.has(name) || dynamicReads.has(name)) return undefined;
      const before = group.changes();
      if (!program.runStep(i, group)) return dropped();
      for (const name of written(before, group.changes()))
        if (tainted.has(name) || dynamicReads.has(name)) return undefined;
      continue;
    }
    const readsTainted = access.reads.some((name) => tainted.has(name));
    const writes = access.writes;
    const conflicts = writes !== undefined && (tainted.has(writes) || dynamicReads.has(writes));
    if (readsTainted || conflicts) {
      steps.push(i);
      for (const name of access.reads) dynamicReads.add(name);
      if (writes !== undefined) tainted.add(writes);
    } else if (!program.runStep(i, group)) {
      return dropped();
    }
  }
  return finish(group.toLabels(), layout, seeds, tainted, steps);
}

/** The plan from the static rules' final labels and the tainted names. */
function finish(
  fallback: Labels,
  layout: readonly string[],
  seeds: Labels,
  tainted: ReadonlySet<string>,
  steps: readonly number[],
): GroupPlan {
  const defaults: Record<string, string> = {};
  let anyDefault = false;
  for (const name of layout) {
    const seed = seeds[name];
    if (typeof seed === 'string' && Object.hasOwn(seeds, name)) {
      defaults[name] = seed;
      anyDefault = true;
    }
  }
  const untainted: [string, string][] = [];
  for (const name in fallback) {
    const value = fallback[name]!;
    if (value !== '' && !tainted.has(name) && !name.startsWith(META_PREFIX))
      untainted.push([name, value]);
  }
  return {
    dropped: false,
    fallback,
    defaults: anyDefault ? defaults : undefined,
    steps,
    hashed: [...tainted].filter((name) => !name.startsWith(META_PREFIX)).map(hashedName),
    staticSum: sumOf(untainted),
  };
}

function sameKeys(labels: Labels, keys: readonly string[]): boolean {
  let i = 0;
  for (const name in labels) if (name !== keys[i++]) return false;
  return i === keys.length;
}

/** Distinct own-label layouts planned per group; targets with yet another take the general path. */
const MAX_LAYOUTS_PER_GROUP = 4;

/** The plans of one group, per own-label layout (targets of a group nearly always share one). */
export class GroupPlanner {
  private readonly layouts: (readonly string[])[] = [];
  private readonly plans: (GroupPlan | undefined)[] = [];

  constructor(
    private readonly program: RelabelProgram,
    private readonly groupLabels: Labels,
    private readonly seeds: Labels,
  ) {}

  /** The plan for a target of the group; undefined when it must be relabeled whole. */
  planFor(own: Labels): GroupPlan | undefined {
    const layouts = this.layouts;
    let at = 0;
    while (at < layouts.length && !sameKeys(own, layouts[at]!)) at++;
    if (at === layouts.length) {
      if (at === MAX_LAYOUTS_PER_GROUP) return undefined;
      const layout = Object.keys(own);
      layouts.push(layout);
      this.plans.push(planGroup(this.program, this.groupLabels, layout, this.seeds));
    }
    return this.plans[at];
  }
}

const DROPPED: GroupPlan = {
  dropped: true,
  fallback: {},
  defaults: undefined,
  steps: [],
  hashed: [],
  staticSum: sumOf([]),
};

function dropped(): GroupPlan {
  return DROPPED;
}
