import type { Labels, Target } from '../model.js';

/**
 * The one rule for duplicate targets: targets of one job with the same identity (`Target.id`: the
 * job and the post-relabel labels without `__meta_*`) are one target, and the one kept (whose
 * pre-relabel labels are served) is the least under a total order: address, then node (known
 * before unknown), then the label sets as sorted (name, value) lists. A total order makes the
 * choice independent of discovery order, so allocator replicas fed the same targets in another
 * order serve the same labels (an address alone leaves ties: two Services selecting one pod port).
 * The target builder, the discovery manager and the allocator all resolve duplicates here.
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

/** The targets with one per identity, the preferred one (`precedes`), in first-seen order. */
export function withoutDuplicates(targets: Iterable<Target>): Target[] {
  const byId = new Map<string, Target>();
  let duplicates = false;
  for (const target of targets) {
    const kept = byId.get(target.id);
    if (kept === undefined) byId.set(target.id, target);
    else {
      duplicates = true;
      if (precedes(target, kept)) byId.set(target.id, target);
    }
  }
  if (!duplicates && Array.isArray(targets)) return targets as Target[];
  return [...byId.values()];
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
