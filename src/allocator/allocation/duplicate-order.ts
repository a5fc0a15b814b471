import type { Labels, Target } from '../model.js';

/**
 * Of several targets one job lists with the same id, the allocator keeps the least under this total
 * order: address, then node (known before unknown), then the label sets. A total order makes the choice independent of
 * the input order, so allocator replicas fed the same targets in another order place and serve the
 * same one (an address alone leaves ties: two Services selecting one pod port share it).
 */
export function precedes(a: Target, b: Target): boolean {
  if (a === b) return false;
  if (a.address !== b.address) return a.address < b.address;
  const x = a.nodeName ?? '';
  const y = b.nodeName ?? '';
  // One that knows its node first: per-node can place it where the node-less one would wait.
  if (x !== y) return x !== '' && (y === '' || x < y);
  return compareLabels(a.labels, b.labels) < 0;
}

/** Compares two label sets as their sorted (name, value) lists; runs only for tied duplicates. */
function compareLabels(a: Labels, b: Labels): number {
  const x = Object.keys(a).sort();
  const y = Object.keys(b).sort();
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const name = x[i]!;
    const other = y[i]!;
    if (name !== other) return name < other ? -1 : 1;
    const u = a[name]!;
    const v = b[name]!;
    if (u !== v) return u < v ? -1 : 1;
  }
  return x.length - y.length;
}
