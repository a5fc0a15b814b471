import { heapify, heapPush, heapRemove, precedes } from './key-heap.js';
import { mix32, ranking, topChoice } from './rendezvous-hash.js';

/**
 * One placement key (for consistent hashing: one distinct target address) and the members that
 * share it, which the placement never looks at.
 */
export interface PlacementKey<M = unknown> {
  readonly text: string;
  /** Rendezvous hash: decides the key's ranking of collectors. */
  readonly hash: number;
  /** Position in the canonical order: the earlier key wins a contested slot. */
  readonly order: number;
  /** Collector index, -1 when unplaced. */
  collector: number;
  /** Index of `collector` in the key's ranking (0: its first choice). */
  rank: number;
  /** The full ranking, kept only while the key sits below its first choice. */
  choices: Int32Array | undefined;
  /** Index within its collector's heap (or in the unplaced list). */
  slot: number;
  /** The last incremental operation that touched the key, and its collector before that operation. */
  epoch: number;
  before: number;
  /** Nearly every key has one member: it sits inline, and an array holds only the rest. */
  first: M | undefined;
  others: M[] | undefined;
}

/**
 * A new, unplaced key. An object literal rather than `new`: V8 tracks the allocation site of a
 * literal and, once it sees that nearly all its objects outlive the young generation, allocates
 * them straight in the old one, so the scavenger no longer copies every key of a full allocation
 * (twice) on its way there. `new` of a class gets no such feedback.
 */
export function newPlacementKey<M>(text: string, hash: number): PlacementKey<M> {
  return {
    text,
    hash,
    order: mix32(hash ^ 0x5bd1e995),
    collector: -1,
    rank: 0,
    choices: undefined,
    slot: -1,
    epoch: 0,
    before: -1,
    first: undefined,
    others: undefined,
  };
}

/** Adds a member to the key. */
export function attachMember<M>(key: PlacementKey<M>, member: M): void {
  if (key.first === undefined) key.first = member;
  else (key.others ??= []).push(member);
}

/** Removes a member; true when the key has none left. */
export function detachMember<M>(key: PlacementKey<M>, member: M): boolean {
  if (key.first === member) key.first = key.others?.pop();
  else if (key.others !== undefined) {
    const at = key.others.indexOf(member);
    if (at >= 0) key.others.splice(at, 1);
  }
  if (key.others?.length === 0) key.others = undefined;
  return key.first === undefined;
}

/**
 * A batch larger than this share of the existing keys is placed from scratch (O(all keys x
 * collectors)) rather than one key at a time (O(batch x collectors) plus capacity steps). Growing
 * batches rebuild only when they at least double the keys, so filling an allocator job by job costs
 * O(keys) overall; deletes step the capacity down, which scans full collectors, so they switch sooner.
 */
const REBUILD_RATIO_INSERT = 1;
const REBUILD_RATIO_DELETE = 0.25;
const REBUILD_MIN = 64;

/**
 * Rendezvous hashing with a bounded load, as a pure function of (keys, collectors): no collector
 * holds more than `capacity = ceil(loadBound * keys / collectors)` keys. The result is the unique
 * stable matching in which each key ranks collectors by rendezvous score and every collector prefers
 * keys earlier in one canonical order (a hash of the key): equivalently, keys taken in canonical order
 * each go to their best-ranked collector with room. Because that matching is unique, the incremental
 * operations below (a deferred-acceptance proposal for an insert, a chain of vacancy fills for a
 * delete, capacity changes modelled as phantom keys) reach exactly the state a rebuild from scratch
 * would, whatever order the changes arrived in; several allocator replicas therefore agree.
 */
export class BoundedLoadPlacement<K extends PlacementKey> {
  private seeds: Int32Array = new Int32Array(0);
  /** Per collector: its keys, as a max-heap by canonical order (the root is the one to displace). */
  private lists: K[][] = [];
  /** Per collector: keys that rank it above where they sit (it turned them away for want of room). */
  private rejecters: Set<K>[] = [];
  private unplaced: K[] = [];
  private capacity = 0;
  private keyCount = 0;
  /** During an incremental operation: each key touched (`key.before` holds its collector before). */
  private touched: K[] = [];
  private epoch = 0;
  private tracking = false;

  constructor(private readonly loadBound: number) {}

  get size(): number {
    return this.keyCount;
  }

  /** Keys per collector index. */
  loads(): number[] {
    return this.lists.map((list) => list.length);
  }

  /**
   * Replaces the pool and places every key again. `remap[old] = new index or -1` lets the report
   * name only keys whose collector really changed.
   */
  setCollectors(seeds: Int32Array, remap: Int32Array, moved: (key: K) => void): void {
    const all = this.allKeys();
    const before = new Int32Array(all.length);
    for (let i = 0; i < all.length; i++) {
      const c = all[i]!.collector;
      before[i] = c < 0 ? -1 : (remap[c] ?? -1);
    }
    this.seeds = seeds;
    this.placeFromScratch(all);
    for (let i = 0; i < all.length; i++) if (all[i]!.collector !== before[i]) moved(all[i]!);
  }

  insert(keys: readonly K[], moved: (key: K) => void): void {
    if (keys.length === 0) return;
    if (this.isLargeBatch(keys.length, REBUILD_RATIO_INSERT)) {
      const all = this.allKeys();
      for (const key of keys) all.push(key);
      const before = all.map((key) => key.collector);
      this.placeFromScratch(all);
      for (let i = 0; i < all.length; i++) if (all[i]!.collector !== before[i]) moved(all[i]!);
      return;
    }
    this.track();
    // The capacity depends only on the final key count, so step it once, then let the new keys
    // propose: the unique stable matching does not depend on the order of those steps.
    this.keyCount += keys.length;
    if (this.seeds.length > 0) this.adjustCapacity();
    for (const key of keys) {
      key.rank = 0;
      key.choices = undefined;
      if (this.seeds.length === 0) this.attach(key, -1);
      else this.propose(key);
    }
    this.report(moved);
  }

  delete(keys: readonly K[], moved: (key: K) => void): void {
    if (keys.length === 0) return;
    if (this.isLargeBatch(keys.length, REBUILD_RATIO_DELETE)) {
      for (const key of keys) this.detach(key);
      const all = this.allKeys();
      const before = all.map((key) => key.collector);
      this.placeFromScratch(all);
      for (let i = 0; i < all.length; i++) if (all[i]!.collector !== before[i]) moved(all[i]!);
      return;
    }
    this.track();
    for (const key of keys) {
      this.keyCount--;
      const from = key.collector;
      this.forgetRejections(key, 0);
      this.detach(key);
      // A deleted key is not reported: make it look unchanged.
      key.before = -1;
      key.choices = undefined;
      if (from >= 0) this.fillVacancy(from);
    }
    // As for inserts: vacancies filled at the old capacity, then one step to the new one.
    if (this.seeds.length > 0) this.adjustCapacity();
    this.report(moved);
  }

  private isLargeBatch(count: number, ratio: number): boolean {
    return count > REBUILD_MIN && count > this.keyCount * ratio;
  }

  private capacityFor(keyCount: number): number {
    const n = this.seeds.length;
    if (n === 0) return 0;
    if (this.loadBound === Infinity) return Infinity;
    return Math.max(1, Math.ceil((this.loadBound * keyCount) / n));
  }

  private allKeys(): K[] {
    const all: K[] = [...this.unplaced];
    for (const list of this.lists) for (const key of list) all.push(key);
    return all;
  }

  /** Deferred acceptance from an empty state: first choices, then the overflow proposes down its ranking. */
  private placeFromScratch(all: readonly K[]): void {
    const n = this.seeds.length;
    this.lists = Array.from({ length: n }, () => []);
    this.rejecters = Array.from({ length: n }, () => new Set<K>());
    this.unplaced = [];
    this.keyCount = all.length;
    this.capacity = this.capacityFor(all.length);
    for (const key of all) {
      key.rank = 0;
      key.choices = undefined;
      key.collector = n === 0 ? -1 : topChoice(key.hash, this.seeds);
      (n === 0 ? this.unplaced : this.lists[key.collector]!).push(key);
    }
    this.unplaced.forEach((key, slot) => (key.slot = slot));
    const overflow: K[] = [];
    for (let c = 0; c < n; c++) {
      const heap = this.lists[c]!;
      heapify(heap);
      while (heap.length > this.capacity) {
        const worst = heap[0]!;
        heapRemove(heap, worst);
        worst.collector = -1;
        this.rejecters[c]!.add(worst);
        worst.rank = 1;
        overflow.push(worst);
      }
    }
    for (const key of overflow) this.propose(key);
  }

  /** `key` (unattached) asks its collectors from `key.rank` on; a full collector keeps the earlier key. */
  private propose(key: K): void {
    let current = key;
    for (;;) {
      const c = this.choiceAt(current);
      if (this.lists[c]!.length < this.capacity) {
        this.attach(current, c);
        return;
      }
      const worst = this.worstOf(c);
      if (precedes(current, worst)) {
        this.detach(worst);
        this.attach(current, c);
        current = worst;
      }
      this.rejecters[c]!.add(current);
      current.rank++;
    }
  }

  /** Collector `hole` has room: the earliest key that wanted it moves in, which frees a place elsewhere. */
  private fillVacancy(hole: number): void {
    let c = hole;
    while (c >= 0 && this.lists[c]!.length < this.capacity) {
      const next = this.earliest(this.rejecters[c]!);
      if (next === undefined) return;
      const from = next.collector;
      const choices = this.rankingOf(next);
      const rank = choices.indexOf(c);
      this.forgetRejections(next, rank);
      this.detach(next);
      next.rank = rank;
      if (rank === 0) next.choices = undefined;
      this.attach(next, c);
      c = from;
    }
  }

  /** Capacity follows the key count; each unit step is a phantom key added to or removed from every collector. */
  private adjustCapacity(): void {
    const target = this.capacityFor(this.keyCount);
    while (this.capacity < target) {
      this.capacity++;
      for (let c = 0; c < this.lists.length; c++) {
        if (this.rejecters[c]!.size > 0) this.fillVacancy(c);
      }
    }
    while (this.capacity > target) {
      this.capacity--;
      for (let c = 0; c < this.lists.length; c++) {
        while (this.lists[c]!.length > this.capacity) {
          const worst = this.worstOf(c);
          this.detach(worst);
          this.rejecters[c]!.add(worst);
          worst.rank++;
          this.propose(worst);
        }
      }
    }
  }

  private choiceAt(key: K): number {
    if (key.rank === 0) return topChoice(key.hash, this.seeds);
    const choice = this.rankingOf(key)[key.rank];
    // Total capacity is at least the key count, so some collector always has room for the key.
    if (choice === undefined)
      throw new Error('bounded-load placement: a key ran out of collectors');
    return choice;
  }

  private rankingOf(key: K): Int32Array {
    key.choices ??= ranking(key.hash, this.seeds);
    return key.choices;
  }

  /** Removes `key` from the rejecter sets of its choices from `fromRank` up to (excluding) its current rank. */
  private forgetRejections(key: K, fromRank: number): void {
    if (key.rank === 0 || key.choices === undefined) return;
    for (let r = fromRank; r < key.rank; r++) this.rejecters[key.choices[r]!]?.delete(key);
  }

  private earliest(keys: ReadonlySet<K>): K | undefined {
    let best: K | undefined;
    for (const key of keys) if (best === undefined || precedes(key, best)) best = key;
    return best;
  }

  private worstOf(c: number): K {
    const worst = this.lists[c]![0];
    if (worst === undefined)
      throw new Error('bounded-load placement: a full collector has no keys');
    return worst;
  }

  private attach(key: K, c: number): void {
    if (this.tracking) this.touch(key);
    key.collector = c;
    if (c >= 0) {
      heapPush(this.lists[c]!, key);
      return;
    }
    key.slot = this.unplaced.length;
    this.unplaced.push(key);
  }

  private detach(key: K): void {
    const c = key.collector;
    if (this.tracking) this.touch(key);
    key.collector = -1;
    if (c >= 0) {
      heapRemove(this.lists[c]!, key);
      return;
    }
    const last = this.unplaced.pop();
    if (last !== undefined && last !== key) {
      this.unplaced[key.slot] = last;
      last.slot = key.slot;
    }
    key.slot = -1;
  }

  private track(): void {
    this.tracking = true;
    this.epoch++;
  }

  private touch(key: K): void {
    if (key.epoch === this.epoch) return;
    key.epoch = this.epoch;
    key.before = key.collector;
    this.touched.push(key);
  }

  private report(moved: (key: K) => void): void {
    this.tracking = false;
    const touched = this.touched;
    this.touched = [];
    for (const key of touched) if (key.collector !== key.before) moved(key);
  }
}
