import type { Labels, Target } from '../model.js';
import { GroupedTarget } from '../targets/grouped-target.js';

/** Shallow equality of two label sets, without allocating (it runs once per surviving target). */
export function sameLabels(a: Labels, b: Labels): boolean {
  if (a === b) return true;
  for (const name in a) if (a[name] !== b[name]) return false;
  // Every label of `a` is in `b` with the same value; equal when `b` has no other label.
  for (const name in b) if (!Object.hasOwn(a, name)) return false;
  return true;
}

/** `sameLabels` of two targets' served labels; targets built from the same discovered objects match without merging them. */
export function sameTargetLabels(a: Target, b: Target): boolean {
  if (a instanceof GroupedTarget && a.sameSource(b)) return true;
  return sameLabels(a.labels, b.labels);
}
