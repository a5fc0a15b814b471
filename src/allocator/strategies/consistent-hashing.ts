import type { Collector } from '../model.js';
import {
  attachMember,
  BoundedLoadPlacement,
  detachMember,
  newPlacementKey,
  type PlacementKey,
} from './bounded-load-placement.js';
import { hashString } from './rendezvous-hash.js';
import type { AllocationStrategy, PlacementItem, PlacementSink } from './strategy.js';

/** All targets with one pre-relabel address share a key, so they always sit together. */
type AddressKey = PlacementKey<PlacementItem>;

export const DEFAULT_LOAD_BOUND = 1.05;

/**
 * `consistent-hashing`: rendezvous hashing on the target's pre-relabel address with a bounded load
 * (see `BoundedLoadPlacement` and docs/adr/0001). Relabeling never moves a target; a collector joining
 * or leaving moves close to 1/n of the targets; the result depends only on the current targets and
 * collectors, never on the order changes arrived in.
 */
export class ConsistentHashingStrategy implements AllocationStrategy {
  readonly name = 'consistent-hashing';
  private readonly keys = new Map<string, AddressKey>();
  private readonly placement: BoundedLoadPlacement<AddressKey>;
  private collectorIds: readonly string[] = [];

  constructor(loadBound: number = DEFAULT_LOAD_BOUND) {
    this.placement = new BoundedLoadPlacement(loadBound);
  }

  add(items: readonly PlacementItem[], sink: PlacementSink): void {
    const fresh: AddressKey[] = [];
    for (const item of items) {
      const address = item.target.address;
      let key = this.keys.get(address);
      if (key === undefined) {
        key = newPlacementKey<PlacementItem>(address, hashString(address));
        this.keys.set(address, key);
        fresh.push(key);
      } else if (key.collector >= 0) {
        sink(item, this.collectorIds[key.collector]);
      }
      attachMember(key, item);
    }
    this.placement.insert(fresh, (key) => this.report(key, sink));
  }

  remove(items: readonly PlacementItem[], sink: PlacementSink): void {
    const gone: AddressKey[] = [];
    for (const item of items) {
      const key = this.keys.get(item.target.address);
      if (key !== undefined && detachMember(key, item)) {
        this.keys.delete(key.text);
        gone.push(key);
      }
    }
    this.placement.delete(gone, (key) => this.report(key, sink));
  }

  setCollectors(collectors: readonly Collector[], sink: PlacementSink): void {
    const ids = collectors.map((collector) => collector.id);
    const index = new Map(ids.map((id, i) => [id, i]));
    const remap = new Int32Array(this.collectorIds.length);
    this.collectorIds.forEach((id, i) => (remap[i] = index.get(id) ?? -1));
    const seeds = new Int32Array(ids.map((id) => hashString(id)));
    this.collectorIds = ids;
    this.placement.setCollectors(seeds, remap, (key) => this.report(key, sink));
  }

  private report(key: AddressKey, sink: PlacementSink): void {
    const collectorId = key.collector < 0 ? undefined : this.collectorIds[key.collector];
    if (key.first !== undefined) sink(key.first, collectorId);
    if (key.others !== undefined) for (const item of key.others) sink(item, collectorId);
  }
}
