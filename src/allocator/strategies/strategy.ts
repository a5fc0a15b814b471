import type { Collector, Target } from '../model.js';

/**
 * One target as a strategy sees it. The allocator owns the item and keeps it for as long as the
 * target exists; when the target's labels refresh, `target` is replaced by an object with the same
 * id and job, and with the same address and node unless the strategy's `replaces` said no new
 * placement was needed, so strategies may keep items but must not keep `target` values.
 */
export interface PlacementItem {
  readonly target: Target;
}

/** Receives placement changes: `item` now sits on `collectorId` (undefined: unassigned). */
export type PlacementSink = (item: PlacementItem, collectorId: string | undefined) => void;

/**
 * A placement policy. Pure and synchronous: it keeps its own bookkeeping and reports every change
 * through the sink passed to each call, so the allocator can keep its indexes in step. New items start
 * unassigned; an item that stays unassigned need not be reported.
 */
export interface AllocationStrategy {
  readonly name: string;
  /** Places new items, and moves others if the strategy needs to (bounded load, rebalancing). */
  add(items: readonly PlacementItem[], sink: PlacementSink): void;
  /** Forgets items (not reported); others may move to fill the space. */
  remove(items: readonly PlacementItem[], sink: PlacementSink): void;
  /** Replaces the pool (sorted by id, unique ids); items of departed collectors must be moved or unassigned. */
  setCollectors(collectors: readonly Collector[], sink: PlacementSink): void;
  /**
   * Whether a target that kept its id but changed from `before` to `after` (address or node) must
   * be removed and placed again. Absent: when its address or node changed.
   */
  replaces?(before: Target, after: Target): boolean;
  /**
   * For a fallback strategy: the number of targets the primary strategy holds on a collector, so a
   * load-balancing fallback balances totals (upstream's least-weighted fallback counts them).
   */
  countAlso?(load: (collectorId: string) => number): void;
}

/** The default of `AllocationStrategy.replaces`: the hashing and per-node strategies read both. */
export function addressOrNodeChanged(before: Target, after: Target): boolean {
  return before.address !== after.address || before.nodeName !== after.nodeName;
}

export const STRATEGY_NAMES = ['consistent-hashing', 'least-weighted', 'per-node'] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

export interface StrategyOptions {
  /** `per-node` only: where targets without a node go; unassigned when absent. */
  readonly fallbackStrategy?: string | undefined;
  /** `least-weighted` only: when a collector joins, move the fewest targets needed to balance it. */
  readonly rebalanceOnJoin?: boolean | undefined;
  /**
   * `consistent-hashing` only: no collector holds more than ceil(loadBound * keys / collectors)
   * placement keys (default 1.05; `Infinity` turns the bound off, leaving plain rendezvous hashing).
   */
  readonly loadBound?: number | undefined;
}

/** Orders items canonically (by target id), so a batch places the same way whatever order it came in. */
export function compareItems(a: PlacementItem, b: PlacementItem): number {
  const x = a.target.id;
  const y = b.target.id;
  return x < y ? -1 : x > y ? 1 : 0;
}
