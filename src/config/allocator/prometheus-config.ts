import { ObjectReader, configError, isPlainObject } from './object-reader.js';

/** A scrape config as written (YAML-parsed, deep-frozen); discovery and the target builder read it. */
export type ScrapeConfig = Readonly<Record<string, unknown>> & { readonly job_name: string };

export interface PrometheusConfig {
  readonly global: Readonly<Record<string, unknown>>;
  readonly scrapeConfigs: readonly ScrapeConfig[];
}

/** Top-level keys of a Prometheus config; only `global` and `scrape_configs` matter to the allocator. */
const TOP_LEVEL_KEYS = [
  'global',
  'scrape_configs',
  'scrape_config_files',
  'rule_files',
  'alerting',
  'remote_write',
  'remote_read',
  'storage',
  'tracing',
  'otlp',
  'runtime',
];

const GLOBAL_KEYS = [
  'scrape_interval',
  'scrape_timeout',
  'scrape_protocols',
  'evaluation_interval',
  'rule_query_offset',
  'external_labels',
  'query_log_file',
  'scrape_failure_log_file',
  'body_size_limit',
  'sample_limit',
  'label_limit',
  'label_name_length_limit',
  'label_value_length_limit',
  'target_limit',
  'keep_dropped_targets',
  'metric_name_validation_scheme',
  'metric_name_escaping_scheme',
  'always_scrape_classic_histograms',
  'convert_classic_histograms_to_nhcb',
  'extra_scrape_metrics',
  'scrape_native_histograms',
];

/** Keys of a Prometheus scrape_config besides `*_sd_configs` (checked by the discovery registry). */
export const SCRAPE_CONFIG_KEYS: readonly string[] = [
  'job_name',
  'honor_labels',
  'honor_timestamps',
  'track_timestamps_staleness',
  'scheme',
  'metrics_path',
  'params',
  'scrape_interval',
  'scrape_timeout',
  'scrape_protocols',
  'fallback_scrape_protocol',
  'scrape_classic_histograms',
  'always_scrape_classic_histograms',
  'convert_classic_histograms_to_nhcb',
  'scrape_native_histograms',
  'scrape_failure_log_file',
  'body_size_limit',
  'sample_limit',
  'label_limit',
  'label_name_length_limit',
  'label_value_length_limit',
  'target_limit',
  'keep_dropped_targets',
  'native_histogram_bucket_limit',
  'native_histogram_min_bucket_factor',
  'enable_compression',
  'metric_name_validation_scheme',
  'metric_name_escaping_scheme',
  'relabel_configs',
  'metric_relabel_configs',
  'static_configs',
  // HTTP client settings of the scrape itself
  'basic_auth',
  'authorization',
  'oauth2',
  'bearer_token',
  'bearer_token_file',
  'tls_config',
  'proxy_url',
  'no_proxy',
  'proxy_from_environment',
  'proxy_connect_header',
  'follow_redirects',
  'enable_http2',
  'http_headers',
];

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** The `config` block: a Prometheus configuration, validated as strictly as Prometheus does. */
export function parsePrometheusConfig(value: unknown, path: string): PrometheusConfig {
  const reader = new ObjectReader(value, path);
  for (const key of TOP_LEVEL_KEYS) reader.raw(key);
  reader.done(TOP_LEVEL_KEYS);
  if (reader.has('scrape_config_files')) {
    throw configError(
      reader.child('scrape_config_files'),
      'is not supported by the allocator; inline the jobs under scrape_configs',
    );
  }
  const global = new ObjectReader(reader.object.global, reader.child('global'));
  for (const key of GLOBAL_KEYS) global.raw(key);
  global.done(GLOBAL_KEYS);

  const rawJobs = reader.object.scrape_configs ?? [];
  if (!Array.isArray(rawJobs)) {
    throw configError(reader.child('scrape_configs'), 'must be a list of scrape configs');
  }
  const names = new Set<string>();
  const scrapeConfigs = rawJobs.map((job: unknown, i): ScrapeConfig => {
    const jobPath = `${reader.child('scrape_configs')}[${i}]`;
    if (!isPlainObject(job)) throw configError(jobPath, 'must be a map');
    const name = job.job_name;
    if (typeof name !== 'string' || name === '') {
      throw configError(jobPath, 'job_name is required');
    }
    if (names.has(name)) {
      throw configError(jobPath, `found multiple scrape configs with job name "${name}"`);
    }
    names.add(name);
    for (const key of Object.keys(job)) {
      if (!key.endsWith('_sd_configs') && !SCRAPE_CONFIG_KEYS.includes(key)) {
        throw configError(`${jobPath} (job "${name}")`, `unknown key "${key}"`);
      }
    }
    return deepFreeze(structuredClone(job)) as ScrapeConfig;
  });
  return Object.freeze({
    global: deepFreeze(structuredClone(global.object)),
    scrapeConfigs: Object.freeze(scrapeConfigs),
  });
}
