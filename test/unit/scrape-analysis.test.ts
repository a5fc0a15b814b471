import { describe, expect, it } from 'vitest';
import { analyseTarget, summarise } from '../e2e/support/scrape-analysis.js';
import type { ScrapeRecord } from '../e2e/support/scrape-ledger.js';

const I = 5000;
const T0 = 1_700_000_000_000 + 1234; // a phase of 1.234 s within the 5 s interval

/** Scrapes by `scraper` every interval from `from` (inclusive) to `to` (exclusive), in intervals. */
function every(scraper: string, from: number, to: number, jitterMs = 0): ScrapeRecord[] {
  const out: ScrapeRecord[] = [];
  for (let k = from; k < to; k++) {
    out.push({ at: T0 + k * I + (k % 2 === 1 ? jitterMs : -jitterMs), scraper });
  }
  return out;
}

const window = { start: T0 - 100, change: T0 + 10 * I, end: T0 + 30 * I };

describe('analyseTarget', () => {
  it('a target scraped by one collector throughout has no gap, no double and does not move', () => {
    const stats = analyseTarget('t', every('a', 0, 30, 3), I, window);
    expect(stats).toMatchObject({ moved: false, doubleScrapedIntervals: 0, overlapMs: 0 });
    expect(stats.gapMs).toBe(6); // only the scrapes' jitter (3 ms either way)
    expect(stats.scrapers).toEqual(['a']);
  });

  it('a clean handoff (old owner stops, new owner scrapes the next interval) moves with no double and no gap', () => {
    const stats = analyseTarget('t', [...every('a', 0, 12), ...every('b', 12, 30)], I, window);
    expect(stats).toMatchObject({
      ownerBefore: 'a',
      ownerAfter: 'b',
      moved: true,
      doubleScrapedIntervals: 0,
      gapMs: 0,
    });
  });

  it('counts each interval both collectors scraped in once, whatever their phases', () => {
    const shifted = every('b', 12, 30).map((r) => ({ ...r, at: r.at + I / 2 }));
    const stats = analyseTarget('t', [...every('a', 0, 20), ...shifted], I, window);
    // b scrapes from interval 12 on, half an interval later than a, which stops after interval 19.
    expect(stats.doubleScrapedIntervals).toBeGreaterThanOrEqual(7);
    expect(stats.doubleScrapedIntervals).toBeLessThanOrEqual(8);
    const same = analyseTarget('t', [...every('a', 0, 20), ...every('b', 12, 30, 2)], I, window);
    expect(same.doubleScrapedIntervals).toBe(8);
    expect(same.overlapMs).toBe(8 * I);
  });

  it('measures the gap as the longest silence minus one interval, the window end included', () => {
    const gap = analyseTarget('t', [...every('a', 0, 12), ...every('b', 16, 30)], I, window);
    expect(gap.gapMs).toBe(4 * I);
    const lost = analyseTarget('t', every('a', 0, 12), I, window);
    expect(lost).toMatchObject({ ownerBefore: 'a', ownerAfter: undefined, moved: true });
    expect(lost.gapMs).toBe(window.end - (T0 + 11 * I) - I);
  });

  it('a phase at the interval boundary does not split one scrape round into two intervals', () => {
    const edge = { start: 0, change: 10 * I, end: 30 * I };
    const records = every('a', 0, 30).map((r, k) => ({ ...r, at: k * I + (k % 2 === 1 ? 2 : -2) }));
    expect(analyseTarget('t', records, I, edge).doubleScrapedIntervals).toBe(0);
  });
});

describe('summarise', () => {
  it('reports gaps over moved targets only, and counts doubles over all', () => {
    const moved = analyseTarget('m', [...every('a', 0, 12), ...every('b', 15, 30)], I, window);
    const stayed = analyseTarget('s', every('c', 0, 30), I, window);
    const doubled = analyseTarget('d', [...every('c', 0, 30), ...every('b', 20, 22)], I, window);
    expect(summarise([moved, stayed, doubled], 0)).toMatchObject({
      targets: 3,
      moved: 1,
      movedAddresses: ['m'],
      maxGapMs: 3 * I,
      p50GapMs: 3 * I,
      doubleScrapedIntervals: 2,
      scrapedByMoreThanOne: 2,
    });
  });
});
