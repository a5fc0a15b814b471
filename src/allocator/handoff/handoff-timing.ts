/**
 * How long a collector that lost a target may still write samples for it, from the poll at which
 * it got a list without the target. Facts from Prometheus's scrape and discovery code, which the
 * collector's prometheus receiver embeds:
 * - the discovery manager sends target updates to the scrape manager at most every 5 s
 *   (`updatert`), so the scrape loop stops within ~5 s of the poll;
 * - a stopped loop waits for its next scheduled scrape (staleTime), one more interval, then 10% of
 *   an interval, and appends staleness markers stamped staleTime: ~2.1 intervals after the stop.
 * If the new owner has already written a newer sample of the same series, the remote-write
 * receiver rejects that marker batch as out of order, and the exporter drops the whole batch.
 */
export const DISCOVERY_UPDATE_DELAY_MS = 5_000;
/** Remote-write batching and clock skew between the collectors and the allocator. */
export const HANDOFF_MARGIN_MS = 2_000;

/** From the old owner's poll to the moment its staleness markers for the target are written. */
export function staleMarkersDelayMs(scrapeIntervalMs: number): number {
  return DISCOVERY_UPDATE_DELAY_MS + Math.ceil(2.1 * scrapeIntervalMs) + HANDOFF_MARGIN_MS;
}

/**
 * The hold's end when the old owner's poll was not seen (another allocator replica served it, or
 * it stopped polling): by then it has polled at least once, one refresh interval after the move.
 */
export function holdTimeBoundMs(refreshIntervalMs: number, scrapeIntervalMs: number): number {
  return refreshIntervalMs + staleMarkersDelayMs(scrapeIntervalMs);
}

/** Prometheus's default `scrape_interval` when neither the job nor `global` sets one. */
export const PROMETHEUS_DEFAULT_SCRAPE_INTERVAL_MS = 60_000;
