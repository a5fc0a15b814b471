import { mergeLabels } from '../merge-labels.js';
import type { Labels } from '../model.js';

type MergeFunction = (fallback: Labels, base: Labels) => Labels;

/** Distinct key layouts compiled per merger; past this, merging falls back to spreading. */
const MAX_SHAPES = 1024;
const MAX_KEYS = 256;

function sameKeys(labels: Labels, keys: readonly string[]): boolean {
  let i = 0;
  for (const name in labels) if (name !== keys[i++]) return false;
  return i === keys.length;
}

function spreadMerge(fallback: Labels, base: Labels): Labels {
  return mergeLabels(fallback, base);
}

/**
 * Builds an object literal function for one key layout: `{"a": f["a"], "b": b["b"], ...}`. V8
 * creates such objects in "fast mode" from a boilerplate in a fraction of a microsecond, and each
 * load in the function sees one object shape; merging by spreading or assigning property by
 * property instead adds properties one at a time, which for ~30 labels costs tens of microseconds
 * and leaves slow dictionary-mode objects. Keys are embedded with JSON.stringify (a valid JS
 * string literal), never as code; `__proto__` never reaches here (it would set the prototype).
 */
function compileMerge(fallbackKeys: readonly string[], baseKeys: readonly string[]): MergeFunction {
  const inBase = new Set(baseKeys);
  const fields: string[] = [];
  for (const name of fallbackKeys) {
    const key = JSON.stringify(name);
    fields.push(`${key}: ${inBase.has(name) ? 'b' : 'f'}[${key}]`);
  }
  const inFallback = new Set(fallbackKeys);
  for (const name of baseKeys) {
    if (inFallback.has(name)) continue;
    const key = JSON.stringify(name);
    fields.push(`${key}: b[${key}]`);
  }
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('f', 'b', `return {${fields.join(', ')}};`) as MergeFunction;
}

interface Shape {
  readonly fallbackKeys: readonly string[];
  readonly baseKeys: readonly string[];
  /** The merged object's keys, in order; the same array for every merge of this layout. */
  readonly mergedKeys: readonly string[];
  readonly merge: MergeFunction;
}

/**
 * Merges a target group's labels with a target's (`{...group, ...target}` semantics: the target's
 * values win, group key order first) into fast objects. Discovery emits many label sets with the
 * same keys, so the merge function per key layout is compiled once and the last layout is
 * checked first.
 */
export class LabelMerger {
  private readonly shapes = new Map<string, Shape>();
  private last: Shape | undefined;
  private lastKeys: readonly string[] | undefined;

  /**
   * The keys of the object the latest `merge` returned, as one array shared by every merge with the
   * same layout (callers can key per-layout work on it); undefined when that merge was not compiled.
   */
  get mergedKeys(): readonly string[] | undefined {
    return this.lastKeys;
  }

  merge(fallback: Labels, base: Labels): Labels {
    const last = this.last;
    if (
      last !== undefined &&
      sameKeys(fallback, last.fallbackKeys) &&
      sameKeys(base, last.baseKeys)
    ) {
      this.lastKeys = last.mergedKeys;
      return last.merge(fallback, base);
    }
    const shape = this.shapeFor(Object.keys(fallback), Object.keys(base));
    this.lastKeys = shape?.mergedKeys;
    if (shape === undefined) return spreadMerge(fallback, base);
    this.last = shape;
    return shape.merge(fallback, base);
  }

  private shapeFor(fallbackKeys: string[], baseKeys: string[]): Shape | undefined {
    const id = `${fallbackKeys.join('\u0000')}\u0001${baseKeys.join('\u0000')}`;
    const known = this.shapes.get(id);
    if (known !== undefined) return known;
    const unsafe = fallbackKeys.includes('__proto__') || baseKeys.includes('__proto__');
    if (
      unsafe ||
      this.shapes.size >= MAX_SHAPES ||
      fallbackKeys.length + baseKeys.length > MAX_KEYS
    ) {
      return undefined;
    }
    const inFallback = new Set(fallbackKeys);
    const mergedKeys = [...fallbackKeys, ...baseKeys.filter((k) => !inFallback.has(k))];
    const shape = {
      fallbackKeys,
      baseKeys,
      mergedKeys,
      merge: compileMerge(fallbackKeys, baseKeys),
    };
    this.shapes.set(id, shape);
    return shape;
  }
}
