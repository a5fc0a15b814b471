/** Latencies in 10 µs buckets up to 2 s, slower ones kept as they are: quantiles in ms. */
const BUCKET_US = 10;
const BUCKETS = 200_000;

export class LatencyHistogram {
  private readonly counts = new Uint32Array(BUCKETS);
  /** Latencies past the last bucket (an overloaded server), in µs. */
  private readonly slow: number[] = [];
  total = 0;
  maxUs = 0;

  record(us: number): void {
    const bucket = Math.floor(us / BUCKET_US);
    if (bucket < BUCKETS) this.counts[bucket]! += 1;
    else this.slow.push(us);
    this.total++;
    if (us > this.maxUs) this.maxUs = us;
  }

  /** The upper edge of the bucket holding quantile q (0..1), in ms; 0 when empty. */
  quantileMs(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.ceil(q * this.total);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return ((i + 1) * BUCKET_US) / 1000;
    }
    const slow = [...this.slow].sort((a, b) => a - b);
    return (slow[Math.min(slow.length - 1, rank - seen - 1)] ?? 0) / 1000;
  }
}
