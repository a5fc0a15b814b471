import { UsageError } from '../../errors.js';
import type { Labels } from '../model.js';
import {
  compileRelabelConfigs,
  isNameValidationScheme,
  type NameValidationScheme,
  type RelabelProgram,
} from '../relabel/index.js';
import { formatDuration, parseDuration } from './prometheus-duration.js';

/** What the target pipeline needs from one scrape config, validated, with Prometheus's defaults. */
export interface ScrapeJobSettings {
  readonly jobName: string;
  readonly scheme: string;
  readonly metricsPath: string;
  /** Milliseconds. */
  readonly scrapeIntervalMs: number;
  /** Milliseconds; never above the interval. */
  readonly scrapeTimeoutMs: number;
  readonly params: Readonly<Record<string, readonly string[]>>;
  /** The job's `relabel_configs`, compiled, when filtering by relabeling; undefined otherwise. */
  readonly relabel: RelabelProgram | undefined;
  /** The labels Prometheus seeds where a target lacks them (`job`, `__scheme__`, ...). */
  readonly seedLabels: Labels;
}

export const INVALID_SCRAPE_CONFIG = 'INVALID_SCRAPE_CONFIG';

const DEFAULT_INTERVAL_MS = 60_000;
const DEFAULT_TIMEOUT_MS = 10_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(where: string, message: string): never {
  throw new UsageError(INVALID_SCRAPE_CONFIG, `${where}: ${message}`);
}

function optionalString(
  raw: Record<string, unknown>,
  key: string,
  where: string,
): string | undefined {
  const value = raw[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    fail(where, `${key} must be a string, got ${JSON.stringify(value)}`);
  return value;
}

function optionalDuration(
  raw: Record<string, unknown>,
  key: string,
  where: string,
): number | undefined {
  const text = optionalString(raw, key, where);
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined) {
    fail(
      where,
      `${key}: ${JSON.stringify(text)} is not a valid duration (use e.g. 30s, 1m, 1h30m)`,
    );
  }
  return ms;
}

function parseParams(raw: unknown, where: string): Record<string, readonly string[]> {
  if (raw === undefined || raw === null) return {};
  if (!isRecord(raw)) fail(where, 'params must be a mapping of name to a list of values');
  const params: Record<string, readonly string[]> = {};
  for (const [name, values] of Object.entries(raw)) {
    if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) {
      fail(where, `params.${name} must be a list of strings`);
    }
    params[name] = values as string[];
  }
  return params;
}

function nameValidation(
  scrape: Record<string, unknown>,
  global: Record<string, unknown>,
  where: string,
): NameValidationScheme {
  for (const [source, value] of [
    [where, scrape.metric_name_validation_scheme],
    ['global', global.metric_name_validation_scheme],
  ] as const) {
    if (value === undefined || value === null || value === '') continue;
    if (!isNameValidationScheme(value)) {
      fail(
        source,
        `metric_name_validation_scheme must be utf8 or legacy, got ${JSON.stringify(value)}`,
      );
    }
    return value;
  }
  return 'utf8';
}

interface Timing {
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

/** Prometheus's rules: job values override global ones; an unset timeout is capped at the interval. */
function timing(
  scrape: Record<string, unknown>,
  global: Record<string, unknown>,
  where: string,
): Timing {
  const globalInterval = optionalDuration(global, 'scrape_interval', 'global');
  const globalTimeoutSet = optionalDuration(global, 'scrape_timeout', 'global');
  const gInterval =
    globalInterval === undefined || globalInterval === 0 ? DEFAULT_INTERVAL_MS : globalInterval;
  if (globalTimeoutSet !== undefined && globalTimeoutSet > gInterval) {
    fail(
      'global',
      'scrape_timeout is greater than scrape_interval; lower the timeout or raise the interval',
    );
  }
  const gTimeout =
    globalTimeoutSet === undefined || globalTimeoutSet === 0
      ? Math.min(DEFAULT_TIMEOUT_MS, gInterval)
      : globalTimeoutSet;
  const jobInterval = optionalDuration(scrape, 'scrape_interval', where);
  const intervalMs = jobInterval === undefined || jobInterval === 0 ? gInterval : jobInterval;
  const jobTimeout = optionalDuration(scrape, 'scrape_timeout', where);
  if (jobTimeout !== undefined && jobTimeout !== 0) {
    if (jobTimeout > intervalMs) {
      fail(
        where,
        'scrape_timeout is greater than scrape_interval; lower the timeout or raise the interval',
      );
    }
    return { intervalMs, timeoutMs: jobTimeout };
  }
  return { intervalMs, timeoutMs: Math.min(gTimeout, intervalMs) };
}

function seeds(settings: Omit<ScrapeJobSettings, 'seedLabels' | 'relabel'>): Labels {
  // Prometheus's order; it matters only for labelmap collisions on these names.
  const labels: Record<string, string> = {
    job: settings.jobName,
    __scrape_interval__: formatDuration(settings.scrapeIntervalMs),
    __scrape_timeout__: formatDuration(settings.scrapeTimeoutMs),
    __metrics_path__: settings.metricsPath,
    __scheme__: settings.scheme,
  };
  for (const [name, values] of Object.entries(settings.params)) {
    const first = values[0];
    if (first !== undefined && first !== '') labels[`__param_${name}`] = first;
  }
  return Object.freeze(labels);
}

/**
 * Reads one scrape config (YAML-parsed) and its config's `global` section. Relabel filtering is the
 * allocator's `filter_strategy: relabel-config`; without it `relabel` stays undefined and
 * `relabel_configs` are not even compiled (collectors apply them anyway).
 */
export function scrapeJobSettingsFromConfig(
  scrapeConfig: unknown,
  globalConfig: unknown,
  options: { readonly filterByRelabel: boolean },
): ScrapeJobSettings {
  if (!isRecord(scrapeConfig)) fail('scrape_configs', 'each scrape config must be a mapping');
  const global = globalConfig === undefined || globalConfig === null ? {} : globalConfig;
  if (!isRecord(global)) fail('global', 'must be a mapping');
  const jobName = scrapeConfig.job_name;
  if (typeof jobName !== 'string' || jobName === '') {
    fail(
      'scrape_configs',
      'a scrape config has no job_name; give every scrape config a unique job_name',
    );
  }
  const where = `job ${JSON.stringify(jobName)}`;
  const scheme = optionalString(scrapeConfig, 'scheme', where) ?? 'http';
  if (scheme !== 'http' && scheme !== 'https') {
    fail(where, `scheme must be http or https, got ${JSON.stringify(scheme)}`);
  }
  const metricsPath = optionalString(scrapeConfig, 'metrics_path', where) ?? '/metrics';
  const { intervalMs, timeoutMs } = timing(scrapeConfig, global, where);
  const base = {
    jobName,
    scheme,
    metricsPath,
    scrapeIntervalMs: intervalMs,
    scrapeTimeoutMs: timeoutMs,
    params: parseParams(scrapeConfig.params, where),
  };
  const relabel = options.filterByRelabel
    ? compileRelabelConfigs(scrapeConfig.relabel_configs, {
        job: jobName,
        field: 'relabel_configs',
        nameValidation: nameValidation(scrapeConfig, global, where),
      })
    : undefined;
  return { ...base, relabel, seedLabels: seeds(base) };
}
