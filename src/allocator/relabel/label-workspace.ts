import type { Labels } from '../model.js';

/**
 * The label set relabeling works on: the caller's labels, never copied or mutated, plus an overlay
 * of changes. It mirrors Prometheus's `labels.Builder`: an empty value means absent, setting a
 * label to "" deletes it, and changed labels keep the order they were (re)added in, which `labelmap`
 * needs to resolve collisions the way Prometheus does.
 */
export class LabelWorkspace {
  /** Changed names; `undefined` marks a deletion. Insertion order is the Builder's `add` order. */
  private overlay: Map<string, string | undefined> | undefined;

  /**
   * @param base the label set, shared and never modified.
   * @param defaults labels that apply only where `base` has no (non-empty) value: a job's seeded
   *   `job`, `__scheme__`, ... labels. Shared by all targets of a job, so seeding copies nothing.
   */
  constructor(
    private readonly base: Labels,
    private readonly defaults: Labels | undefined = undefined,
  ) {}

  get(name: string): string {
    const overlay = this.overlay;
    if (overlay !== undefined && overlay.has(name)) return overlay.get(name) ?? '';
    return this.baseValue(name);
  }

  /** The value before any change: base, else default, else "" (absent). */
  private baseValue(name: string): string {
    // typeof guards against inherited properties such as `constructor`.
    const value = this.base[name];
    if (typeof value === 'string' && value !== '') return value;
    const fallback = this.defaults?.[name];
    return typeof fallback === 'string' ? fallback : '';
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
   * Visits the current labels: untouched base labels (`fromBase`, in the base object's order), then
   * applicable defaults and changed labels, in that order (Prometheus sets its seeds on the builder,
   * so they iterate after the base labels too). Callers that change labels collect first.
   */
  scan(visit: (name: string, value: string, fromBase: boolean) => void): void {
    const overlay = this.overlay;
    const base = this.base;
    for (const name in base) {
      const value = base[name]!;
      if (value !== '' && (overlay === undefined || !overlay.has(name))) visit(name, value, true);
    }
    const defaults = this.defaults;
    if (defaults !== undefined) {
      for (const name in defaults) {
        const own = base[name];
        if (typeof own === 'string' && own !== '') continue;
        if (overlay === undefined || !overlay.has(name)) visit(name, defaults[name]!, false);
      }
    }
    if (overlay !== undefined) {
      for (const [name, value] of overlay) if (value !== undefined) visit(name, value, false);
    }
  }

  /** The resulting label set: the base itself when nothing changed, else a new object. */
  toLabels(): Labels {
    if (this.overlay === undefined && this.defaults === undefined && !hasEmptyValue(this.base)) {
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
