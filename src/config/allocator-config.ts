import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_REFRESH_INTERVAL } from '../collector/refresh-interval.js';
import { UsageError, errorMessage } from '../errors.js';
import { parseGoDuration } from './allocator/duration.js';
import { parseLabelSelector } from './allocator/label-selector.js';
import { CONFIG_ERROR, ObjectReader, configError } from './allocator/object-reader.js';
import { parsePrometheusConfig } from './allocator/prometheus-config.js';
import { parsePrometheusCrConfig } from './allocator/prometheus-cr.js';
import type {
  AllocatorConfig,
  AllocatorFlags,
  Environment,
  HttpsConfig,
} from './allocator/types.js';
import { yamlSyntaxReason } from './yaml-syntax-error.js';

export type {
  AllocatorConfig,
  AllocatorFlags,
  Environment,
  HttpsConfig,
} from './allocator/types.js';
export type { LabelSelector, LabelSelectorRequirement } from './allocator/label-selector.js';
export type { PrometheusConfig, ScrapeConfig } from './allocator/prometheus-config.js';
export type { PrometheusCrConfig } from './allocator/prometheus-cr.js';
export { parseGoDuration, parsePrometheusDuration } from './allocator/duration.js';

export const DEFAULT_ALLOCATOR_CONFIG_FILE = '/conf/targetallocator.yaml';

/**
 * Keys of upstream's `targetallocator.yaml`, plus our `collectors`, `response_cache_max_mb` and
 * `allocation_rebalance_on_join` extensions.
 */
const FILE_KEYS = [
  'listen_addr',
  'kube_config_file_path',
  'collector_namespace',
  'collector_selector',
  'config',
  'allocation_strategy',
  'allocation_fallback_strategy',
  'allocation_rebalance_on_join',
  'filter_strategy',
  'prometheus_cr',
  'https',
  'allow_insecure_auth_secrets',
  'collector_not_ready_grace_period',
  'collectors',
  'response_cache_max_mb',
  'collector_refresh_interval',
  'collector_silence_timeout',
  'collector_departure_grace_period',
];

/**
 * How often collectors poll each job's targets, unless the config says otherwise: the webhook's
 * default refresh interval (DEFAULT_REFRESH_INTERVAL, src/collector/refresh-interval.ts), which the
 * rewrite writes into every collector config.
 */
export const DEFAULT_COLLECTOR_REFRESH_INTERVAL_MS = parseGoDuration(
  DEFAULT_REFRESH_INTERVAL,
) as number;
/** A collector silent for this many refresh intervals counts as dead (`collector_silence_timeout`). */
export const SILENCE_REFRESH_INTERVALS = 3;
export const DEFAULT_DEPARTURE_GRACE_MS = 10_000;

export interface AllocatorConfigSources {
  readonly flags: AllocatorFlags;
  readonly env: Environment;
  /** The config file's path and text; parsing errors name the path. */
  readonly file: { readonly path: string; readonly text: string };
}

/** Reads the config file named by the flags (or the default path) and builds the config. */
export async function loadAllocatorConfig(
  flags: AllocatorFlags,
  env: Environment,
): Promise<AllocatorConfig> {
  const path = flags.configFile ?? DEFAULT_ALLOCATOR_CONFIG_FILE;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(
      'ALLOCATOR_CONFIG_UNREADABLE',
      `cannot read config file ${path}: ${errorMessage(err)} (pass --config-file FILE)`,
      { cause: err },
    );
  }
  return buildAllocatorConfig({ flags, env, file: { path, text } });
}

/** Pure: defaults < file < env < flags, then one validation step. Errors name the file and the key. */
export function buildAllocatorConfig(sources: AllocatorConfigSources): AllocatorConfig {
  const { path } = sources.file;
  try {
    return validate(merge(sources));
  } catch (err) {
    if (err instanceof UsageError) {
      throw new UsageError(err.code, `config file ${path}: ${err.message}`, { cause: err });
    }
    throw err;
  }
}

function parseDocument(text: string): unknown {
  try {
    return parseYaml(text, { merge: true }) as unknown;
  } catch (err) {
    throw new UsageError(CONFIG_ERROR, `invalid YAML: ${yamlSyntaxReason(err)}`, { cause: err });
  }
}

function merge({ flags, env, file }: AllocatorConfigSources): AllocatorConfig {
  const r = new ObjectReader(parseDocument(file.text), '');
  const selector = r.raw('collector_selector');
  const graceValue = r.raw('collector_not_ready_grace_period');
  const filterStrategy = r.string('filter_strategy') ?? 'relabel-config';
  const prometheusCr = parsePrometheusCrConfig(r.raw('prometheus_cr'), 'prometheus_cr');
  const https = parseHttps(r.raw('https'), flags);
  // Read every file value before the `??` chains below, which would otherwise skip (and so
  // report as unknown) a key that env or a flag overrides.
  const fromFile = {
    listenAddr: r.string('listen_addr'),
    kubeConfig: r.string('kube_config_file_path'),
    namespace: r.string('collector_namespace'),
    allowInsecure: r.boolean('allow_insecure_auth_secrets'),
  };
  const config: AllocatorConfig = {
    configFilePath: file.path,
    listenAddr: flags.listenAddr ?? fromFile.listenAddr ?? ':8080',
    kubeConfigFilePath: flags.kubeconfigPath ?? fromFile.kubeConfig,
    collectorNamespace: nonEmpty(env.OTELCOL_NAMESPACE) ?? fromFile.namespace,
    collectorSelector:
      selector === undefined || selector === null
        ? undefined
        : parseLabelSelector(selector, 'collector_selector'),
    prometheus: parsePrometheusConfig(r.raw('config'), 'config'),
    allocationStrategy: nonEmpty(r.string('allocation_strategy')) ?? 'consistent-hashing',
    allocationFallbackStrategy: nonEmpty(r.string('allocation_fallback_strategy')),
    allocationRebalanceOnJoin: r.boolean('allocation_rebalance_on_join') ?? false,
    filterStrategy,
    filterByRelabel: filterStrategy === 'relabel-config',
    prometheusCr:
      flags.enablePrometheusCrWatcher === true
        ? Object.freeze({ ...prometheusCr, enabled: true })
        : prometheusCr,
    https,
    allowInsecureAuthSecrets:
      flags.allowInsecureAuthSecrets === true ||
      parseEnvBoolean(env.ALLOW_INSECURE_AUTH_SECRETS) ||
      (fromFile.allowInsecure ?? false),
    collectorNotReadyGracePeriodMs: parseGrace(graceValue),
    ...parseHandoffSettings(r),
    collectors: parseCollectors(r, flags),
    responseCacheMaxBytes: parseCacheBudget(r, flags),
    logLevel: flags.logLevel ?? 'info',
  };
  r.done(FILE_KEYS);
  return config;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function parseEnvBoolean(value: string | undefined): boolean {
  if (value === undefined || value === '') return false;
  const lower = value.toLowerCase();
  if (['true', '1', 't'].includes(lower)) return true;
  if (['false', '0', 'f'].includes(lower)) return false;
  throw new UsageError(
    CONFIG_ERROR,
    `environment variable ALLOW_INSECURE_AUTH_SECRETS must be true or false, got "${value}"`,
  );
}

/** `--response-cache-max-mb` over `response_cache_max_mb`: a number of MiB >= 0, in bytes. */
function parseCacheBudget(r: ObjectReader, flags: AllocatorFlags): number | undefined {
  const fromFile = r.raw('response_cache_max_mb');
  const [where, value] =
    flags.responseCacheMaxMb !== undefined
      ? ['--response-cache-max-mb', flags.responseCacheMaxMb]
      : ['response_cache_max_mb', fromFile];
  if (value === undefined || value === null) return undefined;
  const mb = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isFinite(mb) || mb < 0 || (typeof value === 'string' && value.trim() === '')) {
    throw new UsageError(
      CONFIG_ERROR,
      `${where} must be a number of MiB, 0 or more (e.g. 64), got ${JSON.stringify(value)}`,
    );
  }
  return Math.round(mb * 2 ** 20);
}

/**
 * A Go duration string; or the number 0, which upstream (a time.Duration field) reads as "disable"
 * and which the README's "0 disables" invites. Go would read any other number as nanoseconds,
 * never what a user means: refused with what to write.
 */
function parseGrace(value: unknown): number {
  if (value === undefined || value === null) return 30_000;
  if (value === 0) return 0;
  if (typeof value === 'number') {
    throw configError(
      'collector_not_ready_grace_period',
      `a number of nanoseconds (${value}) is not what you mean; write a unit: 30s, 1m, or 0 to disable`,
    );
  }
  if (typeof value !== 'string') {
    throw configError(
      'collector_not_ready_grace_period',
      'must be a duration such as 30s, 1m, or 0 to disable',
    );
  }
  const ms = parseGoDuration(value);
  if (ms === undefined || ms < 0) {
    throw configError(
      'collector_not_ready_grace_period',
      `invalid duration "${value}" (examples: 30s, 1m, 0 to disable)`,
    );
  }
  return ms;
}

/** The handoff's settings (docs/rebalancing.md): extensions, Go durations. */
function parseHandoffSettings(
  r: ObjectReader,
): Pick<
  AllocatorConfig,
  'collectorRefreshIntervalMs' | 'collectorSilenceTimeoutMs' | 'collectorDepartureGraceMs'
> {
  const refresh =
    durationSetting(r.raw('collector_refresh_interval'), 'collector_refresh_interval', false) ??
    DEFAULT_COLLECTOR_REFRESH_INTERVAL_MS;
  const silence =
    durationSetting(r.raw('collector_silence_timeout'), 'collector_silence_timeout', true) ??
    SILENCE_REFRESH_INTERVALS * refresh;
  if (silence !== 0 && silence <= refresh) {
    throw configError(
      'collector_silence_timeout',
      `must be longer than collector_refresh_interval (${refresh / 1000}s), or every collector between two polls looks dead; e.g. ${(SILENCE_REFRESH_INTERVALS * refresh) / 1000}s, or 0 to never move targets of a collector that stopped polling`,
    );
  }
  const grace =
    durationSetting(
      r.raw('collector_departure_grace_period'),
      'collector_departure_grace_period',
      true,
    ) ?? DEFAULT_DEPARTURE_GRACE_MS;
  return {
    collectorRefreshIntervalMs: refresh,
    collectorSilenceTimeoutMs: silence,
    collectorDepartureGraceMs: grace,
  };
}

/** A Go duration string (or the number 0 where 0 means "off"); undefined when absent. */
function durationSetting(value: unknown, key: string, zeroAllowed: boolean): number | undefined {
  if (value === undefined || value === null) return undefined;
  const example = zeroAllowed ? '10s, 1m, or 0 to turn it off' : '10s or 1m';
  const ms = value === 0 ? 0 : typeof value === 'string' ? parseGoDuration(value) : undefined;
  if (ms === undefined || ms < 0) {
    throw configError(key, `invalid duration ${JSON.stringify(value)} (examples: ${example})`);
  }
  if (ms === 0 && !zeroAllowed) throw configError(key, `must be more than 0 (e.g. ${example})`);
  return ms;
}

function parseHttps(value: unknown, flags: AllocatorFlags): HttpsConfig {
  const r = new ObjectReader(value, 'https');
  const enabled = r.boolean('enabled');
  const listenAddr = r.string('listen_addr');
  const caFilePath = r.string('ca_file_path');
  const tlsCertFilePath = r.string('tls_cert_file_path');
  const tlsKeyFilePath = r.string('tls_key_file_path');
  const https: HttpsConfig = {
    enabled: flags.enableHttpsServer === true || (enabled ?? false),
    listenAddr: flags.listenAddrHttps ?? listenAddr ?? ':8443',
    caFilePath: flags.httpsCaFile ?? caFilePath,
    tlsCertFilePath: flags.httpsTlsCertFile ?? tlsCertFilePath,
    tlsKeyFilePath: flags.httpsTlsKeyFile ?? tlsKeyFilePath,
  };
  r.done();
  return Object.freeze(https);
}

function parseCollectors(r: ObjectReader, flags: AllocatorFlags): readonly string[] | undefined {
  const fromFile = r.stringList('collectors');
  const ids =
    flags.collectorIds !== undefined
      ? flags.collectorIds
          .split(',')
          .map((id) => id.trim())
          .filter((id) => id !== '')
      : fromFile;
  if (ids === undefined) return undefined;
  const where = flags.collectorIds !== undefined ? '--collector-ids' : 'collectors';
  if (ids.length === 0) throw configError(where, 'the static collector pool must not be empty');
  const seen = new Set<string>();
  for (const id of ids) {
    if (id.trim() === '') throw configError(where, 'collector ids must not be empty');
    if (seen.has(id)) throw configError(where, `collector id "${id}" is listed twice`);
    seen.add(id);
  }
  return Object.freeze([...ids]);
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

const LISTEN_ADDR = /^(?:\[[0-9a-fA-F:.]+\]|[^\s:[\]]*):(\d{1,5})$/;

function checkListenAddr(addr: string, where: string): void {
  const match = LISTEN_ADDR.exec(addr);
  if (match === null || Number(match[1]) > 65535) {
    throw configError(where, `invalid listen address "${addr}" (expected host:port or :port)`);
  }
}

/** The single validation step, with upstream's messages where upstream has one. */
function validate(config: AllocatorConfig): AllocatorConfig {
  if (config.prometheus.scrapeConfigs.length === 0 && !config.prometheusCr.enabled) {
    throw new UsageError(
      CONFIG_ERROR,
      'at least one scrape config must be defined, or Prometheus CR watching must be enabled',
    );
  }
  if (config.collectors === undefined && config.collectorNamespace === undefined) {
    throw new UsageError(
      CONFIG_ERROR,
      'collector namespace must be set (collector_namespace or OTELCOL_NAMESPACE), or give a static collector pool (collectors or --collector-ids)',
    );
  }
  if (!LOG_LEVELS.includes(config.logLevel)) {
    throw new UsageError(
      CONFIG_ERROR,
      `--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${config.logLevel}"`,
    );
  }
  checkRebalanceOnJoin(config);
  checkListenAddr(config.listenAddr, 'listen_addr');
  if (config.https.enabled) {
    checkListenAddr(config.https.listenAddr, 'https.listen_addr');
    const missing = (
      [
        ['ca_file_path', config.https.caFilePath],
        ['tls_cert_file_path', config.https.tlsCertFilePath],
        ['tls_key_file_path', config.https.tlsKeyFilePath],
      ] as const
    ).filter(([, v]) => v === undefined || v === '');
    if (missing.length > 0) {
      throw configError(
        'https',
        `the HTTPS server needs ${missing.map(([k]) => k).join(', ')} (or the --https-* flags)`,
      );
    }
  }
  return Object.freeze(config);
}

/** `allocation_rebalance_on_join` acts only where `least-weighted` places; elsewhere it would be silently ignored. */
function checkRebalanceOnJoin(config: AllocatorConfig): void {
  if (!config.allocationRebalanceOnJoin) return;
  const leastWeighted =
    config.allocationStrategy === 'least-weighted' ||
    (config.allocationStrategy === 'per-node' &&
      config.allocationFallbackStrategy === 'least-weighted');
  if (leastWeighted) return;
  throw new UsageError(
    CONFIG_ERROR,
    `allocation_rebalance_on_join applies to least-weighted (as allocation_strategy, or as per-node's allocation_fallback_strategy), not to ${config.allocationStrategy}${config.allocationStrategy === 'consistent-hashing' ? ', which already moves about 1/n of the targets to a joining collector' : ''}: remove it or change the strategy`,
  );
}
