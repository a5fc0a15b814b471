/** Latencies in 10 µs buckets up to 2 s (slower ones land in the last bucket): quantiles in ms. */
const BUCKET_US = 10;
const BUCKETS = 200_000;

export class LatencyHistogram {
  private readonly counts = new Uint32Array(BUCKETS);
  total = 0;
  maxUs = 0;

  record(us: number): void {
    this.counts[Math.min(BUCKETS - 1, Math.floor(us / BUCKET_US))]! += 1;
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
    return (BUCKETS * BUCKET_US) / 1000;
  }
}
