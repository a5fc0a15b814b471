import { parsePrometheusDuration } from '../../config/allocator/duration.js';
import { PROMETHEUS_DEFAULT_SCRAPE_INTERVAL_MS } from './handoff-timing.js';

function intervalOf(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = parsePrometheusDuration(value);
  return ms === undefined || ms <= 0 ? undefined : ms;
}

/** `global.scrape_interval`, or Prometheus's default of 1m. */
export function globalScrapeIntervalMs(global: Readonly<Record<string, unknown>>): number {
  return intervalOf(global.scrape_interval) ?? PROMETHEUS_DEFAULT_SCRAPE_INTERVAL_MS;
}

/** Each job's scrape interval as its collectors apply it: the job's own, else the global one. */
export function scrapeIntervalsByJob(
  global: Readonly<Record<string, unknown>>,
  scrapeConfigs: Readonly<Record<string, unknown>>,
): Map<string, number> {
  const fallback = globalScrapeIntervalMs(global);
  const result = new Map<string, number>();
  for (const [job, config] of Object.entries(scrapeConfigs)) {
    const own =
      typeof config === 'object' && config !== null
        ? intervalOf((config as Record<string, unknown>).scrape_interval)
        : undefined;
    result.set(job, own ?? fallback);
  }
  return result;
}
