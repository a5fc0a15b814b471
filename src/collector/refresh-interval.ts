import { formatDuration } from '../allocator/targets/prometheus-duration.js';
import { parseGoDuration, parsePrometheusDuration } from '../config/allocator/duration.js';
import { Annotations } from './annotations.js';
import { CollectorInputError } from './collector-error.js';
import { isRecord } from './json-value.js';

/**
 * How often each collector polls the allocator for a job's targets: the `refresh_interval` the
 * rewrite writes on every http_sd entry it adds, and the `interval` and
 * `http_sd_config.refresh_interval` of the `target_allocator` block.
 *
 * 10 s: a moved target is picked up by its new owner within one refresh interval, so the gap
 * while targets move is about one refresh interval plus one scrape interval (within 30 s for 5 s
 * scrapes), against 60 s (Prometheus's http_sd default) or 30 s (the receiver's hard-coded one)
 * before. The load it makes is what the allocator is built to serve: 1000 collectors x 20 jobs
 * every 10 s is 2000 requests/s, answered from cached bodies.
 */
export const DEFAULT_REFRESH_INTERVAL = '10s';
/** Below this, polling costs the allocator more than it buys (20k req/s for the pool above). */
export const MIN_REFRESH_INTERVAL_MS = 1_000;
/** Above this, moved targets go unscraped for minutes. */
export const MAX_REFRESH_INTERVAL_MS = 300_000;

/** Where the rewrite took the refresh interval from, for messages. */
export interface RefreshInterval {
  /** Prometheus form, as written into the collector config (`10s`, `1m30s`). */
  readonly text: string;
  readonly ms: number;
}

const RANGE_HINT = 'write a duration between 1s and 5m, such as 10s';

/** Milliseconds in Prometheus's duration form (`90000` -> `1m30s`); whole milliseconds. */
export function formatPrometheusDuration(ms: number): string {
  return formatDuration(Math.round(ms));
}

/**
 * Checks a refresh interval a user wrote; `what` names where, for the denial. Throws
 * CollectorInputError saying what to write.
 */
export function checkRefreshInterval(
  value: unknown,
  what: string,
  parse: (text: string) => number | undefined = parsePrometheusDuration,
): RefreshInterval {
  const ms = typeof value === 'string' ? parse(value) : undefined;
  if (ms === undefined) {
    throw refreshError(`${what} is ${JSON.stringify(value)}, not a duration; ${RANGE_HINT}`);
  }
  if (ms < MIN_REFRESH_INTERVAL_MS) {
    throw refreshError(
      `${what} is ${String(value)}: collectors would poll the allocator ${ms === 0 ? 'without pause' : 'more than once a second'}; ${RANGE_HINT}`,
    );
  }
  if (ms > MAX_REFRESH_INTERVAL_MS) {
    throw refreshError(
      `${what} is ${String(value)}: targets moved between collectors would go unscraped for that long; ${RANGE_HINT}`,
    );
  }
  return { text: formatPrometheusDuration(ms), ms };
}

/**
 * The refresh interval for one collector: annotation `otel-ta.dev/refresh-interval` (a Prometheus
 * duration), else `spec.targetAllocator.collectorTargetReloadInterval` (upstream's field, a Go
 * duration), else the webhook's setting.
 */
export function resolveRefreshInterval(
  annotations: Readonly<Record<string, string>>,
  targetAllocator: unknown,
  fallback: string,
): RefreshInterval {
  const annotation = annotations[Annotations.refreshInterval];
  if (annotation !== undefined) {
    return checkRefreshInterval(annotation, `annotation ${Annotations.refreshInterval}`);
  }
  const field = isRecord(targetAllocator)
    ? targetAllocator.collectorTargetReloadInterval
    : undefined;
  if (field !== undefined && field !== null) {
    return checkRefreshInterval(
      field,
      'spec.targetAllocator.collectorTargetReloadInterval',
      parseGoDuration,
    );
  }
  return checkRefreshInterval(fallback, "the webhook's collector_refresh_interval");
}

function refreshError(message: string): CollectorInputError {
  return new CollectorInputError('COLLECTOR_REFRESH_INTERVAL', message, 422);
}

/** Prometheus's http_sd default, for an entry on the allocator without `refresh_interval`. */
const HTTP_SD_DEFAULT_MS = 60_000;
/** The receiver's hard-coded per-job poll in `target_allocator` mode without `http_sd_config`. */
const TARGET_ALLOCATOR_HTTP_SD_DEFAULT_MS = 30_000;

function durationMs(value: unknown, fallback: number): number {
  const ms = typeof value === 'string' ? parsePrometheusDuration(value) : undefined;
  return ms === undefined || ms <= 0 ? fallback : ms;
}

/**
 * How often this collector's pods actually poll the allocator for a job's targets, read from its
 * (rewritten) config: the longest refresh of the http_sd entries on the allocator and of the
 * `target_allocator` block. The allocator's handoff counts on it (its time bound), so it is what
 * the config says, values the user kept included, not what the webhook would write. Undefined
 * when the config polls the allocator nowhere.
 */
export function configuredRefreshIntervalMs(
  config: unknown,
  allocatorUrl: string,
): number | undefined {
  const receiver =
    isRecord(config) && isRecord(config.receivers) ? config.receivers.prometheus : {};
  if (!isRecord(receiver)) return undefined;
  let longest: number | undefined;
  const consider = (ms: number): void => {
    longest = Math.max(longest ?? 0, ms);
  };
  const block = receiver.target_allocator;
  if (isRecord(block) && block.endpoint === allocatorUrl) {
    const httpSd = isRecord(block.http_sd_config) ? block.http_sd_config : {};
    consider(durationMs(httpSd.refresh_interval, TARGET_ALLOCATOR_HTTP_SD_DEFAULT_MS));
  }
  const promConfig = isRecord(receiver.config) ? receiver.config : {};
  const jobs = Array.isArray(promConfig.scrape_configs) ? promConfig.scrape_configs : [];
  for (const job of jobs as unknown[]) {
    const entries = isRecord(job) && Array.isArray(job.http_sd_configs) ? job.http_sd_configs : [];
    for (const entry of entries as unknown[]) {
      if (!isRecord(entry) || typeof entry.url !== 'string') continue;
      if (!entry.url.startsWith(`${allocatorUrl}/`)) continue;
      consider(durationMs(entry.refresh_interval, HTTP_SD_DEFAULT_MS));
    }
  }
  return longest;
}
