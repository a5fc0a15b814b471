import { mergeLabels } from '../merge-labels.js';
import type { Labels } from '../model.js';
import type { LabelMerger } from './label-merger.js';

/**
 * The label set relabeling works on: the caller's labels, never copied or mutated, plus an overlay
 * of changes. It mirrors Prometheus's `labels.Builder`: an empty value means absent, setting a
 * label to "" deletes it, and changed labels keep the order they were (re)added in, which `labelmap`
 * needs to resolve collisions the way Prometheus does.
 */
// Shared until the first change, so an untouched workspace allocates no arrays.
const NO_VALUES: (string | undefined)[] = [];

export class LabelWorkspace {
  /**
   * Changed names and their values (`undefined` marks a deletion), in the Builder's `add` order.
   * Parallel arrays rather than a Map: a rule set changes a handful of labels, a linear scan over
   * them is as fast as hashing, and two small arrays cost less to allocate per target.
   */
  private names: string[] | undefined;
  private values: (string | undefined)[] = NO_VALUES;

  /** `fallback` and `base` merged, once something needs to iterate them. */
  private mergedLabels: Labels | undefined;

  /**
   * @param base the label set, shared and never modified.
   * @param fallback labels that apply where `base` has no such key: a target group's labels under
   *   its target's (the merge Prometheus does; lookups read both in place, and the merged object is
   *   only built when a rule or the caller iterates the labels).
   * @param defaults labels that apply only where neither has a non-empty value: a job's seeded
   *   `job`, `__scheme__`, ... labels. Shared by all targets of a job, so seeding copies nothing.
   * @param merger builds the merged object (LabelMerger makes fast objects).
   */
  constructor(
    private base: Labels,
    private fallback: Labels | undefined = undefined,
    private defaults: Labels | undefined = undefined,
    private readonly merger: LabelMerger | undefined = undefined,
  ) {}

  /**
   * Starts over on another label set, as a new workspace would, but keeps this one's arrays: a
   * loop relabeling 100k targets one at a time then allocates nothing per target here.
   */
  reset(base: Labels, fallback?: Labels, defaults?: Labels): this {
    this.base = base;
    this.fallback = fallback;
    this.defaults = defaults;
    this.mergedLabels = undefined;
    this.layout = undefined;
    if (this.names !== undefined) {
      this.names.length = 0;
      this.values.length = 0;
    }
    return this;
  }

  /** `{...fallback, ...base}`: the discovered labels before any rule, built at most once. */
  merged(): Labels {
    if (this.fallback === undefined) return this.base;
    if (this.mergedLabels === undefined) {
      const merger = this.merger;
      this.mergedLabels =
        merger?.merge(this.fallback, this.base) ?? mergeLabels(this.fallback, this.base);
      this.layout = merger?.mergedKeys;
    }
    return this.mergedLabels;
  }

  /**
   * The merged object's keys as an array shared by every target with the same key layout (from
   * LabelMerger), so rules can plan per layout; undefined when unknown.
   */
  mergedLayout(): readonly string[] | undefined {
    this.merged();
    return this.layout;
  }

  private layout: readonly string[] | undefined;

  get(name: string): string {
    const at = this.names === undefined ? -1 : this.names.indexOf(name);
    if (at >= 0) return this.values[at] ?? '';
    return this.baseValue(name);
  }

  /** The merged value before defaults: base, else fallback; "" when absent or empty. */
  private mergedValue(name: string): string {
    // typeof guards against inherited properties such as `constructor`.
    const merged = this.mergedLabels;
    if (merged !== undefined) {
      const value = merged[name];
      return typeof value === 'string' ? value : '';
    }
    const own = this.base[name];
    const value = typeof own === 'string' ? own : this.fallback?.[name];
    return typeof value === 'string' ? value : '';
  }

  /** The value before any change: merged, else default, else "" (absent). */
  private baseValue(name: string): string {
    const value = this.mergedValue(name);
    if (value !== '' || this.defaults === undefined) return value;
    const seeded = this.defaults[name];
    return typeof seeded === 'string' ? seeded : '';
  }

  set(name: string, value: string): void {
    if (value === '') {
      this.delete(name);
      return;
    }
    const names = this.names;
    const at = names === undefined ? -1 : names.indexOf(name);
    if (at >= 0 && this.values[at] !== undefined) {
      this.values[at] = value;
      return;
    }
    // No check against the original value here: forEachChange and toLabels skip changes that
    // restore it, which saves a lookup per set on the hot path.
    // A new or re-added label goes to the end, like Builder.Set after Builder.Del.
    this.append(at, name, value);
  }

  delete(name: string): void {
    const at = this.names === undefined ? -1 : this.names.indexOf(name);
    if (at < 0 && this.baseValue(name) === '') return;
    if (at >= 0 && this.values[at] === undefined) return;
    this.append(at, name, undefined);
  }

  private append(at: number, name: string, value: string | undefined): void {
    let names = this.names;
    if (names === undefined) {
      names = this.names = [];
      this.values = [];
    }
    if (at >= 0) {
      names.splice(at, 1);
      this.values.splice(at, 1);
    }
    names.push(name);
    this.values.push(value);
  }

  /** True when a rule set or deleted `name` (even back to its original value). */
  isChanged(name: string): boolean {
    return this.changed(name);
  }

  private changed(name: string): boolean {
    return this.names !== undefined && this.names.includes(name);
  }

  /**
   * Visits the current labels: untouched merged labels (`fromBase`, in merged order), then
   * applicable defaults and changed labels, in that order (Prometheus sets its seeds on the builder,
   * so they iterate after the discovered labels too). Callers that change labels collect first.
   */
  scan(visit: (name: string, value: string, fromBase: boolean) => void): void {
    const names = this.names;
    const merged = this.merged();
    for (const name in merged) {
      const value = merged[name]!;
      if (value !== '' && (names === undefined || !names.includes(name))) visit(name, value, true);
    }
    this.scanAdded(visit);
  }

  /** The part of `scan` after the merged labels: applicable defaults, then changed labels. */
  scanAdded(visit: (name: string, value: string, fromBase: boolean) => void): void {
    const { names, values, defaults } = this;
    if (defaults !== undefined) {
      for (const name in defaults) {
        if (this.mergedValue(name) !== '' || this.changed(name)) continue;
        visit(name, defaults[name]!, false);
      }
    }
    if (names !== undefined) {
      for (let i = 0; i < names.length; i++) {
        const value = values[i];
        if (value !== undefined) visit(names[i]!, value, false);
      }
    }
  }

  /** The current value ("" when deleted) of each label changed so far, in change order. */
  changes(): Map<string, string> {
    const out = new Map<string, string>();
    const names = this.names;
    if (names !== undefined)
      for (let i = 0; i < names.length; i++) out.set(names[i]!, this.values[i] ?? '');
    return out;
  }

  /**
   * Visits each changed label with its value before the rules (merged, else default) and after
   * ("" when deleted), skipping changes that restored the original value. Together with the
   * merged labels and the defaults this describes the result without building it.
   */
  forEachChange(visit: (name: string, before: string, after: string) => void): void {
    const names = this.names;
    if (names === undefined) return;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const before = this.baseValue(name);
      const after = this.values[i] ?? '';
      if (before !== after) visit(name, before, after);
    }
  }

  private hasEffectiveChange(): boolean {
    let changed = false;
    this.forEachChange(() => {
      changed = true;
    });
    return changed;
  }

  /** The resulting label set: the base itself when nothing changed, else a new object. */
  toLabels(): Labels {
    if (
      !this.hasEffectiveChange() &&
      this.fallback === undefined &&
      this.defaults === undefined &&
      !hasEmptyValue(this.base)
    ) {
      return this.base;
    }
    const out: Record<string, string> = {};
    this.scan((name, value) => {
      // defineProperty, so a label named `__proto__` stays a label.
      Object.defineProperty(out, name, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    });
    return out;
  }
}

function hasEmptyValue(labels: Labels): boolean {
  for (const name in labels) if (labels[name] === '') return true;
  return false;
}
