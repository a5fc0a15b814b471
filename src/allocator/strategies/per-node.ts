import type { Collector, Target } from '../model.js';
import { hashString, topChoice } from './rendezvous-hash.js';
import {
  addressOrNodeChanged,
  type AllocationStrategy,
  type PlacementItem,
  type PlacementSink,
} from './strategy.js';

/** The collectors running on one node (normally one: a DaemonSet pod). */
interface NodeCollectors {
  readonly ids: readonly string[];
  readonly seeds: Int32Array;
}

/**
 * `per-node`: a target goes to the collector running on its node (`Target.nodeName`), so a DaemonSet
 * scrapes only local targets. Targets without a node go to the fallback strategy when one is
 * configured; otherwise, like targets on a node without a collector, they stay unassigned (the
 * allocator counts them) and are placed as soon as a matching collector appears.
 */
export class PerNodeStrategy implements AllocationStrategy {
  readonly name = 'per-node';
  private nodes = new Map<string, NodeCollectors>();
  private readonly itemsByNode = new Map<string, Set<PlacementItem>>();

  /** The node of each collector that has one. */
  private nodeOf = new Map<string, string>();

  constructor(private readonly fallback: AllocationStrategy | undefined) {
    fallback?.countAlso?.((collectorId) => this.nodeLoad(collectorId));
  }

  /** A node change always; an address change of a node-less target as the fallback decides. */
  replaces(before: Target, after: Target): boolean {
    if (before.nodeName !== after.nodeName) return true;
    const node = after.nodeName;
    if (node !== undefined && node !== '') return before.address !== after.address;
    return this.fallback?.replaces?.(before, after) ?? addressOrNodeChanged(before, after);
  }

  add(items: readonly PlacementItem[], sink: PlacementSink): void {
    const nodeless: PlacementItem[] = [];
    for (const item of items) {
      const node = item.target.nodeName;
      if (node === undefined || node === '') {
        nodeless.push(item);
        continue;
      }
      let onNode = this.itemsByNode.get(node);
      if (onNode === undefined) this.itemsByNode.set(node, (onNode = new Set()));
      onNode.add(item);
      const collectorId = this.collectorFor(node, item);
      if (collectorId !== undefined) sink(item, collectorId);
    }
    if (nodeless.length > 0) this.fallback?.add(nodeless, sink);
  }

  remove(items: readonly PlacementItem[], sink: PlacementSink): void {
    const nodeless: PlacementItem[] = [];
    for (const item of items) {
      const node = item.target.nodeName;
      if (node === undefined || node === '') {
        nodeless.push(item);
        continue;
      }
      const onNode = this.itemsByNode.get(node);
      onNode?.delete(item);
      if (onNode?.size === 0) this.itemsByNode.delete(node);
    }
    if (nodeless.length > 0) this.fallback?.remove(nodeless, sink);
  }

  setCollectors(collectors: readonly Collector[], sink: PlacementSink): void {
    const grouped = new Map<string, string[]>();
    for (const collector of collectors) {
      if (collector.nodeName === undefined || collector.nodeName === '') continue;
      const ids = grouped.get(collector.nodeName);
      if (ids === undefined) grouped.set(collector.nodeName, [collector.id]);
      else ids.push(collector.id);
    }
    this.nodeOf = new Map(
      [...grouped].flatMap(([node, ids]) => ids.map((id): [string, string] => [id, node])),
    );
    const previous = this.nodes;
    this.nodes = new Map(
      [...grouped].map(([node, ids]) => [
        node,
        { ids, seeds: new Int32Array(ids.map((id) => hashString(id))) },
      ]),
    );
    for (const [node, items] of this.itemsByNode) {
      if (sameIds(previous.get(node)?.ids, this.nodes.get(node)?.ids)) continue;
      for (const item of items) sink(item, this.collectorFor(node, item));
    }
    this.fallback?.setCollectors(collectors, sink);
  }

  /** Targets this strategy holds on a collector (a node's share when several collectors run there). */
  private nodeLoad(collectorId: string): number {
    const node = this.nodeOf.get(collectorId);
    if (node === undefined) return 0;
    const sharing = this.nodes.get(node)?.ids.length ?? 1;
    return Math.round((this.itemsByNode.get(node)?.size ?? 0) / sharing);
  }

  private collectorFor(node: string, item: PlacementItem): string | undefined {
    const onNode = this.nodes.get(node);
    if (onNode === undefined) return undefined;
    if (onNode.ids.length === 1) return onNode.ids[0];
    // Several collectors on one node (a rollout overlaps pods): spread by rendezvous on the address.
    return onNode.ids[topChoice(hashString(item.target.address), onNode.seeds)];
  }
}

function sameIds(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
