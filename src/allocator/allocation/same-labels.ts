import type { Labels } from '../model.js';

/** Shallow equality of two label sets, without allocating (it runs once per surviving target). */
export function sameLabels(a: Labels, b: Labels): boolean {
  if (a === b) return true;
  for (const name in a) if (a[name] !== b[name]) return false;
  // Every label of `a` is in `b` with the same value; equal when `b` has no other label.
  for (const name in b) if (!Object.hasOwn(a, name)) return false;
  return true;
}
