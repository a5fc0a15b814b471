/**
 * Target identity: a 64-bit hash (16 hex digits) of the job and a label set, canonical in the set.
 *
 * Each label is hashed on its own over a length-prefixed encoding (name length, name, value
 * length, value), so no choice of characters can make two different label sets encode alike: a
 * separator-based encoding would let `a="b;c"` collide with `a="b", c=...`-style rearrangements.
 * The per-label hashes (two 32-bit lanes, each avalanche-finalized) are then added, which is
 * independent of the order labels are visited in: the result is what hashing the sorted set would
 * give in canonical-ness, without sorting each target's labels. The job is folded in under its own
 * tag, so it never collides with a label. Accidental collisions among 100k targets have a
 * probability around 1e-9; this is not meant to resist crafted collisions.
 */
export class IdentityHasher {
  private sumA = 0;
  private sumB = 0;
  private count = 0;
  private jobA = 0;
  private jobB = 0;

  /** Starts a new label set for `job`. */
  begin(job: string): void {
    this.sumA = 0;
    this.sumB = 0;
    this.count = 0;
    mix(0x6a6f62, job, '');
    this.jobA = laneA;
    this.jobB = laneB;
  }

  /** Adds a pre-summed group of labels (see `sumOf`): labels shared by many targets hash once. */
  addSum(sum: LabelSum): void {
    this.sumA = (this.sumA + sum.a) | 0;
    this.sumB = (this.sumB + sum.b) | 0;
    this.count += sum.count;
  }

  add(name: string, value: string): void {
    mix(0, name, value);
    this.sumA = (this.sumA + laneA) | 0;
    this.sumB = (this.sumB + laneB) | 0;
    this.count++;
  }

  /** `add(name.name, value)` with the name's share of the hash worked out beforehand. */
  addNamed(name: HashedName, value: string): void {
    mixValue(name.a, name.b, value);
    this.sumA = (this.sumA + laneA) | 0;
    this.sumB = (this.sumB + laneB) | 0;
    this.count++;
  }

  /**
   * Takes back an `add` of the same pair. Exact, since the combination is a sum: the identity of a
   * relabeled set is the discovered set's plus its changes, without visiting every label again.
   */
  remove(name: string, value: string): void {
    mix(0, name, value);
    this.sumA = (this.sumA - laneA) | 0;
    this.sumB = (this.sumB - laneB) | 0;
    this.count--;
  }

  /** The identity of the job and the labels added since `begin`. */
  digest(): string {
    let a = (this.sumA ^ this.jobA ^ Math.imul(this.count, 0x9e3779b1)) | 0;
    let b = (this.sumB + this.jobB) | 0;
    a = fmix(a ^ (b >>> 15));
    b = fmix(b ^ Math.imul(a, 0x27d4eb2f));
    // One flat string, no intermediate ones: this runs once per target.
    return String.fromCharCode(
      hexDigit(a >>> 28),
      hexDigit((a >>> 24) & 15),
      hexDigit((a >>> 20) & 15),
      hexDigit((a >>> 16) & 15),
      hexDigit((a >>> 12) & 15),
      hexDigit((a >>> 8) & 15),
      hexDigit((a >>> 4) & 15),
      hexDigit(a & 15),
      hexDigit(b >>> 28),
      hexDigit((b >>> 24) & 15),
      hexDigit((b >>> 20) & 15),
      hexDigit((b >>> 16) & 15),
      hexDigit((b >>> 12) & 15),
      hexDigit((b >>> 8) & 15),
      hexDigit((b >>> 4) & 15),
      hexDigit(b & 15),
    );
  }
}

/** The combined hash of a group of labels, to add to many label sets at once. */
export interface LabelSum {
  readonly a: number;
  readonly b: number;
  readonly count: number;
}

export function sumOf(labels: readonly (readonly [string, string])[]): LabelSum {
  let a = 0;
  let b = 0;
  for (const [name, value] of labels) {
    mix(0, name, value);
    a = (a + laneA) | 0;
    b = (b + laneB) | 0;
  }
  return { a, b, count: labels.length };
}

// Output registers of `mix`, to avoid allocating a tuple per label on the hot path.
let laneA = 0;
let laneB = 0;

/**
 * A label name with its share of the label hash (the lanes after its length and characters): rules
 * and plans name the same few labels for every target, so that share is hashed once per name.
 */
export interface HashedName {
  readonly name: string;
  readonly a: number;
  readonly b: number;
}

export function hashedName(name: string): HashedName {
  mixName(0, name);
  return { name, a: laneA, b: laneB };
}

function mix(tag: number, name: string, value: string): void {
  mixName(tag, name);
  mixValue(laneA, laneB, value);
}

/** First half of `mix`: leaves the lanes after the name in laneA/laneB (not finalized). */
function mixName(tag: number, name: string): void {
  let a = 0x811c9dc5 ^ tag;
  let b = 0x2545f491 ^ tag;
  a = Math.imul(a ^ name.length, 0x85ebca77);
  b = Math.imul(b ^ name.length, 0xc2b2ae3d);
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    a = Math.imul(a ^ c, 0x9e3779b1);
    b = Math.imul(b ^ c, 0x5f356495);
  }
  laneA = a;
  laneB = b;
}

/** Second half of `mix`: the value over the name's lanes, then the finalized label hash. */
function mixValue(nameA: number, nameB: number, value: string): void {
  let a = nameA;
  let b = nameB;
  a = Math.imul(a ^ (value.length + 0x10000), 0x85ebca77);
  b = Math.imul(b ^ (value.length + 0x10000), 0xc2b2ae3d);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    a = Math.imul(a ^ c, 0x9e3779b1);
    b = Math.imul(b ^ c, 0x5f356495);
  }
  // Cross the lanes before finalizing so each output bit depends on both.
  laneA = fmix(a ^ Math.imul(b ^ (b >>> 16), 0x7feb352d));
  laneB = fmix(b ^ Math.imul(a ^ (a >>> 15), 0x846ca68b));
}

/** murmur3's 32-bit finalizer: full avalanche. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** Char code of a hex digit 0-15 (`0`-`9`, `a`-`f`). */
function hexDigit(n: number): number {
  return n < 10 ? 48 + n : 87 + n;
}
