import type { ScrapeRecord } from './scrape-ledger.js';

/** The stretch of a run to judge, in epoch milliseconds; `change` is when the scenario acted. */
export interface ObservationWindow {
  readonly start: number;
  readonly change: number;
  readonly end: number;
}

export interface TargetScrapeStats {
  readonly address: string;
  /**
   * Who scraped it last before the change, and who scrapes it at the end: the last scraper, if it
   * scraped within two intervals of the end (undefined: nobody does any more).
   */
  readonly ownerBefore: string | undefined;
  readonly ownerAfter: string | undefined;
  readonly moved: boolean;
  /** Every collector that scraped it in the window. */
  readonly scrapers: readonly string[];
  /** Scrape intervals (phase-aligned to the target's scrapes) in which two or more collectors scraped it. */
  readonly doubleScrapedIntervals: number;
  /** From the start of the first double-scraped interval to the end of the last one. */
  readonly overlapMs: number;
  /** The longest time without a scrape (the window's end counts), minus one scrape interval; >= 0. */
  readonly gapMs: number;
}

export interface ScrapeSummary {
  readonly targets: number;
  readonly moved: number;
  readonly movedAddresses: readonly string[];
  /** Targets nobody scraped in the window's last two intervals. */
  readonly unscrapedAtEnd: number;
  /** Over the moved targets (0 when none moved). */
  readonly maxGapMs: number;
  readonly p50GapMs: number;
  /** Over every target: a target that did not move should see no gap at all. */
  readonly maxGapAnyTargetMs: number;
  readonly doubleScrapedIntervals: number;
  /** The longest overlap of any one target. */
  readonly overlapMs: number;
  /** Targets scraped by more than one collector in the window. */
  readonly scrapedByMoreThanOne: number;
  /** Scrapes whose connection could not be traced to a collector process. */
  readonly unattributedScrapes: number;
}

/**
 * Judges one target's scrapes over a window. Double-scraping is counted per scrape interval, with
 * the intervals' boundaries half an interval away from the target's own scrape phase: Prometheus
 * scrapes a target at a fixed offset within each interval, so a scrape and its jitter of a few
 * milliseconds never straddle a boundary, while a second collector's scrape in the same interval
 * lands in the same bucket whatever its phase.
 */
export function analyseTarget(
  address: string,
  records: readonly ScrapeRecord[],
  intervalMs: number,
  window: ObservationWindow,
): TargetScrapeStats {
  const scrapes = records
    .filter((r) => r.at >= window.start && r.at <= window.end)
    .sort((a, b) => a.at - b.at);
  const ownerBefore = lastScraperBefore(scrapes, window.change);
  const last = scrapes.at(-1);
  const ownerAfter =
    last !== undefined && window.end - last.at <= 2 * intervalMs ? last.scraper : undefined;
  const buckets = scrapersPerInterval(scrapes, intervalMs);
  const doubled = [...buckets.entries()].filter(([, who]) => who.size > 1).map(([k]) => k);
  const overlapMs =
    doubled.length === 0 ? 0 : (Math.max(...doubled) - Math.min(...doubled) + 1) * intervalMs;
  return {
    address,
    ownerBefore,
    ownerAfter,
    moved: ownerBefore !== ownerAfter,
    scrapers: [...new Set(scrapes.map((s) => s.scraper))].sort(),
    doubleScrapedIntervals: doubled.length,
    overlapMs,
    gapMs: Math.max(0, longestSilence(scrapes, window) - intervalMs),
  };
}

export function summarise(
  stats: readonly TargetScrapeStats[],
  unattributed: number,
): ScrapeSummary {
  const moved = stats.filter((s) => s.moved);
  const movedGaps = moved.map((s) => s.gapMs).sort((a, b) => a - b);
  return {
    targets: stats.length,
    moved: moved.length,
    movedAddresses: moved.map((s) => s.address),
    unscrapedAtEnd: stats.filter((s) => s.ownerAfter === undefined).length,
    maxGapMs: movedGaps.at(-1) ?? 0,
    p50GapMs: movedGaps.length === 0 ? 0 : movedGaps[Math.floor((movedGaps.length - 1) / 2)]!,
    maxGapAnyTargetMs: Math.max(0, ...stats.map((s) => s.gapMs)),
    doubleScrapedIntervals: stats.reduce((sum, s) => sum + s.doubleScrapedIntervals, 0),
    overlapMs: Math.max(0, ...stats.map((s) => s.overlapMs)),
    scrapedByMoreThanOne: stats.filter((s) => s.scrapers.length > 1).length,
    unattributedScrapes: unattributed,
  };
}

function lastScraperBefore(sorted: readonly ScrapeRecord[], before: number): string | undefined {
  let owner: string | undefined;
  for (const s of sorted) {
    if (s.at >= before) break;
    owner = s.scraper;
  }
  return owner;
}

/** Interval index -> the scrapers in it, with boundaries half an interval off the target's phase. */
function scrapersPerInterval(
  sorted: readonly ScrapeRecord[],
  intervalMs: number,
): Map<number, Set<string>> {
  const buckets = new Map<number, Set<string>>();
  if (sorted.length === 0) return buckets;
  const origin = phaseOf(sorted, intervalMs) - intervalMs / 2;
  for (const s of sorted) {
    const index = Math.floor((s.at - origin) / intervalMs);
    const who = buckets.get(index) ?? new Set<string>();
    who.add(s.scraper);
    buckets.set(index, who);
  }
  return buckets;
}

/**
 * The target's scrape phase within the interval: a circular mean, so a phase near the interval's
 * boundary (some scrapes at 4.999 s, some at 0.001 s) averages to the boundary, not the middle.
 */
function phaseOf(sorted: readonly ScrapeRecord[], intervalMs: number): number {
  let x = 0;
  let y = 0;
  for (const s of sorted) {
    const angle = ((s.at % intervalMs) / intervalMs) * 2 * Math.PI;
    x += Math.cos(angle);
    y += Math.sin(angle);
  }
  const angle = Math.atan2(y, x);
  return ((((angle / (2 * Math.PI)) * intervalMs) % intervalMs) + intervalMs) % intervalMs;
}

/** The longest stretch without a scrape between the first scrape and the window's end. */
function longestSilence(sorted: readonly ScrapeRecord[], window: ObservationWindow): number {
  if (sorted.length === 0) return window.end - window.start;
  let longest = 0;
  for (let i = 1; i < sorted.length; i++) {
    longest = Math.max(longest, sorted[i]!.at - sorted[i - 1]!.at);
  }
  return Math.max(longest, window.end - sorted.at(-1)!.at);
}
