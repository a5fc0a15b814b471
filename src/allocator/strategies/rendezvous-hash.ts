/**
 * The hash functions behind rendezvous (highest-random-weight) placement. All arithmetic is 32-bit
 * integer arithmetic, so every allocator replica, on any platform, computes the same scores. Values
 * stay signed int32 (compared as such) so V8 keeps them unboxed on the hot path.
 */

/** murmur3's 32-bit finalizer: a bijection with full avalanche, used to decorrelate inputs. */
export function mix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** A 32-bit string hash (FNV-1a over UTF-16 code units, then `mix32`), seeded so one string can give independent hashes. */
export function hashString(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) | 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

/** The score of a key on a collector: the collector with the highest score is the key's first choice. */
export function rendezvousScore(keyHash: number, collectorSeed: number): number {
  return mix32(Math.imul(keyHash ^ collectorSeed, 0x9e3779b1) ^ (keyHash >>> 15));
}

/** Index of the highest-scoring collector (ties: lowest index, so the order of `seeds` decides). -1 when empty. */
export function topChoice(keyHash: number, seeds: Int32Array): number {
  let best = -1;
  let bestScore = 0;
  for (let i = 0; i < seeds.length; i++) {
    const score = rendezvousScore(keyHash, seeds[i]!);
    if (best < 0 || score > bestScore) {
      bestScore = score;
      best = i;
    }
  }
  return best;
}

/**
 * All collector indices from the key's first choice to its last (up to 2^20 collectors). Each
 * (score, index) pair is packed into one exact float64 so a comparator-free typed-array sort ranks
 * them: higher score first, then lower index, as in `topChoice`.
 */
export function ranking(keyHash: number, seeds: Int32Array): Int32Array {
  const n = seeds.length;
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    packed[i] = (rendezvousScore(keyHash, seeds[i]!) + 0x80000000) * 0x100000 + (0xfffff - i);
  }
  packed.sort();
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = 0xfffff - (packed[n - 1 - i]! % 0x100000);
  return order;
}
