import { CollectorInputError } from './collector-error.js';
import { isRecord, jsonEqual, type JsonObject } from './json-value.js';
import { jobTargetsUrl, COLLECTOR_ID_REFERENCE } from './naming.js';
import { queryUnescape } from './query-escape.js';
import { redactUrlPassword } from '../observability/url-password.js';

/** `static_configs` and every `*_sd_configs` (upstream's rule: keys ending in `sd_configs` or `static_configs`). */
const DISCOVERY_KEY = /(sd|static)_configs$/;
export const HTTP_SD_KEY = 'http_sd_configs';

export function isDiscoveryKey(key: string): boolean {
  return DISCOVERY_KEY.test(key);
}

/**
 * Checks a `scrape_configs` value: a list of maps, each with a unique, non-empty `job_name`
 * (Prometheus refuses anything else, and jobs are keyed by name in the stash and the allocator).
 */
export function readScrapeConfigs(value: unknown, path: string): JsonObject[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new CollectorInputError(
      'COLLECTOR_SCRAPE_CONFIGS',
      `${path} must be a list of scrape configs; write it as a YAML list (- job_name: ...)`,
    );
  }
  const seen = new Set<string>();
  return value.map((job: unknown, index) => {
    if (!isRecord(job)) {
      throw new CollectorInputError(
        'COLLECTOR_SCRAPE_CONFIGS',
        `${path}[${index}] must be a map with a job_name; fix that list entry`,
      );
    }
    const name = job.job_name;
    if (typeof name === 'number' || typeof name === 'boolean') {
      // YAML reads `job_name: 9100` or `job_name: true` as a number or a boolean.
      throw new CollectorInputError(
        'COLLECTOR_SCRAPE_CONFIGS',
        `${path}[${index}].job_name is the ${typeof name} ${String(name)}, not a string; quote it (job_name: "${String(name)}")`,
      );
    }
    if (typeof name !== 'string' || name === '') {
      throw new CollectorInputError(
        'COLLECTOR_SCRAPE_CONFIGS',
        `${path}[${index}] has no job_name; give every scrape config a unique, non-empty job_name`,
      );
    }
    if (seen.has(name)) {
      throw new CollectorInputError(
        'COLLECTOR_SCRAPE_CONFIGS',
        `scrape job name "${name}" appears more than once in ${path}; job names must be unique`,
        422,
      );
    }
    seen.add(name);
    const relabels = Array.isArray(job.relabel_configs) && job.relabel_configs.length > 0;
    if (!relabels) checkStaticTargets(job.static_configs, `${path}[${index}].static_configs`);
    return job;
  });
}

/**
 * Prometheus refuses a static target with a `/` at config load in a job without relabel_configs,
 * and so does the allocator: a URL (`http://host:port/metrics`) is a common slip that would
 * otherwise reach the allocator and stop it from loading the collector's jobs. With
 * relabel_configs (a blackbox job moving the URL into `__param_target`) both accept it.
 */
function checkStaticTargets(value: unknown, path: string): void {
  if (!Array.isArray(value)) return;
  value.forEach((group: unknown, g) => {
    if (!isRecord(group) || !Array.isArray(group.targets)) return;
    group.targets.forEach((target: unknown, t) => {
      if (typeof target === 'string' && target.includes('/')) {
        throw new CollectorInputError(
          'COLLECTOR_SCRAPE_CONFIGS',
          `${path}[${g}].targets[${t}] "${redactUrlPassword(target)}" is not a valid hostname (Prometheus refuses it); write host:port alone and set the job's scheme and metrics_path`,
          422,
        );
      }
    });
  });
}

export function jobName(job: JsonObject): string {
  return String(job.job_name);
}

/**
 * The job's name as the allocator serves it: the collector unescapes `$$` to `$` in every string
 * of its config, and the controller builds the allocator from the stash unescaped the same way.
 */
export function servedJobName(job: JsonObject): string {
  return jobName(job).replaceAll('$$', '$');
}

export interface RecoveredJob {
  /** The job as the user wrote it, with its own discovery. */
  readonly original: JsonObject;
  readonly warnings: string[];
}

/**
 * The original form of a job from the collector config. A job already rewritten to this
 * allocator's http_sd URL takes its discovery back from the stash (found by the served job name
 * in the URL, so a renamed job keeps it; `stash` is keyed by `servedJobName`); its other fields
 * are the current ones, so live edits to them count.
 */
export function recoverOriginal(
  job: JsonObject,
  stash: ReadonlyMap<string, JsonObject>,
  allocatorUrl: string,
): RecoveredJob {
  const pointedJob = allocatorJobOf(job, allocatorUrl);
  if (pointedJob === undefined) return { original: job, warnings: [] };
  // Objects rewritten before the URL carried the served name have `$$` in it.
  const stashed = stash.get(pointedJob) ?? stash.get(pointedJob.replaceAll('$$', '$'));
  const original = withoutDiscovery(job);
  if (stashed === undefined) {
    return {
      original,
      warnings: [
        `scrape job "${jobName(job)}" already points at the target allocator but no original is stashed for it, so the allocator has no discovery for it: re-apply the collector's original manifest`,
      ],
    };
  }
  for (const [key, value] of Object.entries(stashed)) {
    if (isDiscoveryKey(key)) original[key] = value;
  }
  return { original, warnings: [] };
}

/** The keys of the http_sd entry the rewrite writes: `url`, and `refresh_interval`. */
function isOurEntryShape(entry: JsonObject): boolean {
  return Object.keys(entry).every((key) => key === 'url' || key === 'refresh_interval');
}

/**
 * The `refresh_interval` of a job's http_sd entry on this allocator, when the job is already
 * rewritten and the entry has one: kept as it is (a value in the config is never flipped).
 */
export function writtenRefreshInterval(job: JsonObject, allocatorUrl: string): unknown {
  if (allocatorJobOf(job, allocatorUrl) === undefined) return undefined;
  const entries = job[HTTP_SD_KEY];
  const entry: unknown = Array.isArray(entries) ? entries[0] : undefined;
  return isRecord(entry) ? entry.refresh_interval : undefined;
}

/**
 * The job with its discovery replaced by one http_sd config on the allocator, polled every
 * `refreshInterval`, in the same key position.
 */
export function rewriteForHttpSd(
  original: JsonObject,
  allocatorUrl: string,
  refreshInterval: string,
): JsonObject {
  const httpSd = [
    {
      url: jobTargetsUrl(allocatorUrl, servedJobName(original)),
      refresh_interval: refreshInterval,
    },
  ];
  const rewritten: JsonObject = {};
  let placed = false;
  for (const [key, value] of Object.entries(original)) {
    if (!isDiscoveryKey(key)) {
      rewritten[key] = value;
    } else if (!placed) {
      rewritten[HTTP_SD_KEY] = httpSd;
      placed = true;
    }
  }
  if (!placed) rewritten[HTTP_SD_KEY] = httpSd;
  return rewritten;
}

/** Warnings for a job that the rewrite changed, explaining where its discovery went. */
export function rewriteWarnings(original: JsonObject, rewritten: JsonObject): string[] {
  if (jsonEqual(original, rewritten)) return [];
  const moved = Object.keys(original).filter(isDiscoveryKey);
  const name = jobName(original);
  if (moved.length === 0) {
    return [
      `scrape job "${name}" has no static_configs or *_sd_configs: the target allocator finds no targets for it`,
    ];
  }
  return [
    `scrape job "${name}": ${moved.join(', ')} moved to the target allocator; each collector now scrapes its share of the targets over http_sd_configs`,
  ];
}

/** The name of the job whose allocator URL this job's discovery is, if it is exactly that. */
function allocatorJobOf(job: JsonObject, allocatorUrl: string): string | undefined {
  const keys = Object.keys(job).filter(isDiscoveryKey);
  if (keys.length !== 1 || keys[0] !== HTTP_SD_KEY) return undefined;
  const entries = job[HTTP_SD_KEY];
  if (!Array.isArray(entries) || entries.length !== 1) return undefined;
  const entry: unknown = entries[0];
  if (!isRecord(entry) || !isOurEntryShape(entry) || typeof entry.url !== 'string') {
    return undefined;
  }
  const prefix = `${allocatorUrl}/jobs/`;
  const suffix = `/targets?collector_id=${COLLECTOR_ID_REFERENCE}`;
  const url = entry.url;
  if (!url.startsWith(prefix) || !url.endsWith(suffix)) return undefined;
  return queryUnescape(url.slice(prefix.length, url.length - suffix.length));
}

function withoutDiscovery(job: JsonObject): JsonObject {
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(job)) if (!isDiscoveryKey(key)) result[key] = value;
  return result;
}
