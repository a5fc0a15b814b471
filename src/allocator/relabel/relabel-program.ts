import type { Labels } from '../model.js';
import { goToLower, goToUpper } from './case-mapping.js';
import { hashMod } from './hashmod.js';
import { isValidLabelName, type NameValidationScheme } from './label-names.js';
import { LabelWorkspace } from './label-workspace.js';
import type { RelabelRule } from './relabel-rule.js';
import { compileTemplate } from './template.js';

/** One compiled rule: changes the workspace, returns false when the label set is dropped. */
type Step = (labels: LabelWorkspace) => boolean;

function joinSources(rule: RelabelRule): (labels: LabelWorkspace) => string {
  const names = rule.sourceLabels;
  const separator = rule.separator;
  if (names.length === 0) return () => '';
  if (names.length === 1) {
    const only = names[0]!;
    return (labels) => labels.get(only);
  }
  return (labels) => {
    let out = labels.get(names[0]!);
    for (let i = 1; i < names.length; i++) out += separator + labels.get(names[i]!);
    return out;
  };
}

function replaceStep(rule: RelabelRule, scheme: NameValidationScheme): Step {
  const value = joinSources(rule);
  const regex = rule.regex;
  const target = compileTemplate(rule.targetLabel);
  const replacement = compileTemplate(rule.replacement);
  // `(.*)` with replacement `$1` copies the joined value: no match object needed.
  if (regex.matchesEverything && target.literal !== undefined && rule.replacement === '$1') {
    const name = target.literal;
    return (labels) => {
      labels.set(name, value(labels));
      return true;
    };
  }
  return (labels) => {
    const match = regex.exec(value(labels));
    if (match === null) return true;
    const name = target.literal ?? target.expand(match);
    // An expanded target that is not a label name leaves the labels unchanged, as in Prometheus.
    if (target.literal === undefined && !isValidLabelName(name, scheme)) return true;
    labels.set(name, replacement.literal ?? replacement.expand(match));
    return true;
  };
}

/** A labelmap match: copy `value` to `target`; `source` orders base matches like Prometheus. */
interface Mapping {
  readonly source: string;
  readonly target: string;
  readonly value: string;
}

function bySource(a: Mapping, b: Mapping): number {
  return a.source < b.source ? -1 : a.source > b.source ? 1 : 0;
}

/** Maps a label name to its new name, or undefined when the regex does not match. */
function nameMapper(rule: RelabelRule): (name: string) => string | undefined {
  const regex = rule.regex;
  const replacement = compileTemplate(rule.replacement);
  const prefix = regex.prefixCapture;
  // The common `__meta_..._label_(.+)` with `$1`: a prefix test and a slice, no match object.
  if (prefix !== undefined && (rule.replacement === '$1' || rule.replacement === '${1}')) {
    const { prefix: text, minRest } = prefix;
    return (name) =>
      name.length - text.length >= minRest && name.startsWith(text)
        ? name.slice(text.length)
        : undefined;
  }
  return (name) => {
    const match = regex.exec(name);
    if (match === null) return undefined;
    return replacement.literal ?? replacement.expand(match);
  };
}

function labelMapStep(rule: RelabelRule): Step {
  const mapName = nameMapper(rule);
  // Per merged key layout: the discovered names that map, and to what, sorted by name. Targets
  // from one discovery share a few layouts, so the regex runs per layout, not per label.
  const plans = new WeakMap<readonly string[], readonly (readonly [string, string])[]>();
  const planFor = (layout: readonly string[]): readonly (readonly [string, string])[] => {
    let plan = plans.get(layout);
    if (plan === undefined) {
      const pairs: [string, string][] = [];
      for (const source of [...layout].sort()) {
        const target = mapName(source);
        if (target !== undefined) pairs.push([source, target]);
      }
      plan = pairs;
      plans.set(layout, plan);
    }
    return plan;
  };
  // Reused across calls (steps run synchronously, one at a time): no per-target allocation here.
  const fromBase: Mapping[] = [];
  const fromChanged: Mapping[] = [];
  const collect = (source: string, value: string, isBase: boolean): void => {
    const target = mapName(source);
    if (target !== undefined) (isBase ? fromBase : fromChanged).push({ source, target, value });
  };
  return (labels) => {
    // Collect first: Prometheus maps a snapshot. Its base labels are sorted by name and come
    // before the changed ones, so sorting the (few) base matches makes collisions resolve alike.
    fromBase.length = 0;
    fromChanged.length = 0;
    const layout = labels.mergedLayout();
    if (layout === undefined) {
      labels.scan(collect);
      if (fromBase.length > 1) fromBase.sort(bySource);
    } else {
      const merged = labels.merged();
      for (const [source, target] of planFor(layout)) {
        const value = merged[source]!;
        if (value !== '' && !labels.isChanged(source)) fromBase.push({ source, target, value });
      }
      labels.scanAdded(collect);
    }
    for (const m of fromBase) labels.set(m.target, m.value);
    for (const m of fromChanged) labels.set(m.target, m.value);
    return true;
  };
}

function labelFilterStep(rule: RelabelRule, keepMatching: boolean): Step {
  const regex = rule.regex;
  const doomed: string[] = [];
  const collect = (name: string): void => {
    if (regex.test(name) !== keepMatching) doomed.push(name);
  };
  return (labels) => {
    doomed.length = 0;
    labels.scan(collect);
    for (const name of doomed) labels.delete(name);
    return true;
  };
}

function compileStep(rule: RelabelRule, scheme: NameValidationScheme): Step {
  const value = joinSources(rule);
  const { regex, targetLabel } = rule;
  switch (rule.action) {
    case 'replace':
      return replaceStep(rule, scheme);
    case 'keep':
      return (labels) => regex.test(value(labels));
    case 'drop':
      return (labels) => !regex.test(value(labels));
    case 'keepequal':
      return (labels) => labels.get(targetLabel) === value(labels);
    case 'dropequal':
      return (labels) => labels.get(targetLabel) !== value(labels);
    case 'hashmod': {
      const modulus = rule.modulus;
      return (labels) => {
        labels.set(targetLabel, hashMod(value(labels), modulus));
        return true;
      };
    }
    case 'lowercase':
      return (labels) => {
        labels.set(targetLabel, goToLower(value(labels)));
        return true;
      };
    case 'uppercase':
      return (labels) => {
        labels.set(targetLabel, goToUpper(value(labels)));
        return true;
      };
    case 'labelmap':
      return labelMapStep(rule);
    case 'labeldrop':
      return labelFilterStep(rule, false);
    case 'labelkeep':
      return labelFilterStep(rule, true);
  }
}

/** Compiled relabel rules; see `compileRelabelConfigs`. Immutable and safe to share. */
export class RelabelProgram {
  private readonly steps: readonly Step[];

  constructor(
    readonly rules: readonly RelabelRule[],
    scheme: NameValidationScheme,
  ) {
    this.steps = rules.map((rule) => compileStep(rule, scheme));
  }

  get isEmpty(): boolean {
    return this.steps.length === 0;
  }

  /** Applies rule `index` alone; false when it drops the set. For callers that plan per group. */
  runStep(index: number, labels: LabelWorkspace): boolean {
    return this.steps[index]!(labels);
  }

  /** Applies the rules to a copy-on-write view of `labels`; null when a rule drops the set. */
  run(labels: LabelWorkspace): LabelWorkspace | null {
    for (const step of this.steps) if (!step(labels)) return null;
    return labels;
  }

  /**
   * The relabeled label set, or null when a rule drops it. Never mutates `labels`; returns the same
   * object when no rule changed anything. Empty values count as absent, as in Prometheus.
   */
  apply(labels: Labels): Labels | null {
    const result = this.run(new LabelWorkspace(labels));
    return result === null ? null : result.toLabels();
  }
}
