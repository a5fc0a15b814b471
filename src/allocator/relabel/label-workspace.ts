import type { Labels } from '../model.js';
import type { LabelMerger } from './label-merger.js';

/**
 * The label set relabeling works on: the caller's labels, never copied or mutated, plus an overlay
 * of changes. It mirrors Prometheus's `labels.Builder`: an empty value means absent, setting a
 * label to "" deletes it, and changed labels keep the order they were (re)added in, which `labelmap`
 * needs to resolve collisions the way Prometheus does.
 */
export class LabelWorkspace {
  /** Changed names; `undefined` marks a deletion. Insertion order is the Builder's `add` order. */
  private overlay: Map<string, string | undefined> | undefined;

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
    private readonly base: Labels,
    private readonly fallback: Labels | undefined = undefined,
    private readonly defaults: Labels | undefined = undefined,
    private readonly merger: LabelMerger | undefined = undefined,
  ) {}

  /** `{...fallback, ...base}`: the discovered labels before any rule, built at most once. */
  merged(): Labels {
    if (this.fallback === undefined) return this.base;
    return (this.mergedLabels ??= this.merger?.merge(this.fallback, this.base) ?? {
      ...this.fallback,
      ...this.base,
    });
  }

  get(name: string): string {
    const overlay = this.overlay;
    if (overlay !== undefined && overlay.has(name)) return overlay.get(name) ?? '';
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
    const overlay = this.overlay;
    if (overlay === undefined) {
      // Setting a label to the value it already has changes nothing and copies nothing.
      if (this.baseValue(name) === value) return;
      this.overlay = new Map([[name, value]]);
      return;
    }
    if (overlay.get(name) === undefined) {
      if (!overlay.has(name) && this.baseValue(name) === value) return;
      // A new or re-added label goes to the end, like Builder.Set after Builder.Del.
      overlay.delete(name);
    }
    overlay.set(name, value);
  }

  delete(name: string): void {
    const overlay = this.overlay;
    if ((overlay === undefined || !overlay.has(name)) && this.baseValue(name) === '') return;
    const target = (this.overlay ??= new Map<string, string | undefined>());
    target.delete(name);
    target.set(name, undefined);
  }

  /**
   * Visits the current labels: untouched merged labels (`fromBase`, in merged order), then
   * applicable defaults and changed labels, in that order (Prometheus sets its seeds on the builder,
   * so they iterate after the discovered labels too). Callers that change labels collect first.
   */
  scan(visit: (name: string, value: string, fromBase: boolean) => void): void {
    const { overlay, defaults } = this;
    const merged = this.merged();
    for (const name in merged) {
      const value = merged[name]!;
      if (value !== '' && (overlay === undefined || !overlay.has(name))) visit(name, value, true);
    }
    if (defaults !== undefined) {
      for (const name in defaults) {
        if (this.mergedValue(name) !== '') continue;
        if (overlay === undefined || !overlay.has(name)) visit(name, defaults[name]!, false);
      }
    }
    if (overlay !== undefined) {
      for (const [name, value] of overlay) if (value !== undefined) visit(name, value, false);
    }
  }

  /**
   * Visits each changed label with its value before the rules (merged, else default) and after
   * ("" when deleted), skipping changes that restored the original value. Together with the
   * merged labels and the defaults this describes the result without building it.
   */
  forEachChange(visit: (name: string, before: string, after: string) => void): void {
    if (this.overlay === undefined) return;
    for (const [name, value] of this.overlay) {
      const before = this.baseValue(name);
      const after = value ?? '';
      if (before !== after) visit(name, before, after);
    }
  }

  /** The resulting label set: the base itself when nothing changed, else a new object. */
  toLabels(): Labels {
    if (
      this.overlay === undefined &&
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
