import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { parseListenAddress, type ListenAddress } from '../allocator/server/listen-address.js';
import { DEFAULTABLE_STRATEGIES, type DefaultableStrategy } from '../collector/defaults.js';
import { CollectorInputError } from '../collector/collector-error.js';
import { checkRefreshInterval, DEFAULT_REFRESH_INTERVAL } from '../collector/refresh-interval.js';
import { UsageError, errorMessage } from '../errors.js';
import { yamlSyntaxReason } from './yaml-syntax-error.js';

/** The image written into `spec.targetAllocator.image` when a collector sets none. */
export const DEFAULT_ALLOCATOR_IMAGE = 'ghcr.io/otel-ta/otel-ta:0.1.0';
export const DEFAULT_WEBHOOK_LISTEN_ADDR = ':9443';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface WebhookConfig {
  readonly tlsCertFile: string;
  readonly tlsKeyFile: string;
  readonly listenAddr: ListenAddress;
  /** Undefined: no policy, nothing enforced. */
  readonly policyFile: string | undefined;
  readonly allocatorImage: string;
  /** Filled into collectors (other than daemonsets) that set no allocationStrategy. */
  readonly defaultAllocationStrategy: DefaultableStrategy;
  /**
   * How often collectors poll their allocator, written into the rewritten configs (Prometheus
   * duration, 1s-5m); a collector's annotation or collectorTargetReloadInterval overrides it.
   */
  readonly collectorRefreshInterval: string;
  readonly logLevel: string;
  /**
   * How long startup waits for missing certificate files (0: fail at once). In the deployment the
   * controller creates the certificate Secret; until the kubelet projects it the files are absent.
   */
  readonly certificateWaitSeconds: number;
}

/** Flags as commander hands them over; every one optional, so file and env can fill in. */
export interface WebhookFlags {
  readonly configFile?: string;
  readonly tlsCertFile?: string;
  readonly tlsKeyFile?: string;
  readonly listenAddr?: string;
  readonly policyFile?: string;
  readonly allocatorImage?: string;
  readonly defaultAllocationStrategy?: string;
  readonly collectorRefreshInterval?: string;
  readonly logLevel?: string;
  readonly certificateWaitSeconds?: string;
}

export type Environment = Readonly<Record<string, string | undefined>>;

type Setting = Exclude<keyof WebhookFlags, 'configFile'>;

/** One table maps each setting to its config-file key and environment variable (docs/webhook.md). */
export const WEBHOOK_SETTINGS: Readonly<
  Record<Setting, { readonly key: string; readonly env: string }>
> = {
  tlsCertFile: { key: 'tls_cert_file', env: 'OTEL_TA_WEBHOOK_TLS_CERT_FILE' },
  tlsKeyFile: { key: 'tls_key_file', env: 'OTEL_TA_WEBHOOK_TLS_KEY_FILE' },
  listenAddr: { key: 'listen_addr', env: 'OTEL_TA_WEBHOOK_LISTEN_ADDR' },
  policyFile: { key: 'policy_file', env: 'OTEL_TA_WEBHOOK_POLICY_FILE' },
  allocatorImage: { key: 'allocator_image', env: 'OTEL_TA_WEBHOOK_ALLOCATOR_IMAGE' },
  defaultAllocationStrategy: {
    key: 'default_allocation_strategy',
    env: 'OTEL_TA_WEBHOOK_DEFAULT_ALLOCATION_STRATEGY',
  },
  collectorRefreshInterval: {
    key: 'collector_refresh_interval',
    env: 'OTEL_TA_WEBHOOK_COLLECTOR_REFRESH_INTERVAL',
  },
  logLevel: { key: 'log_level', env: 'OTEL_TA_WEBHOOK_LOG_LEVEL' },
  certificateWaitSeconds: {
    key: 'certificate_wait_seconds',
    env: 'OTEL_TA_WEBHOOK_CERTIFICATE_WAIT_SECONDS',
  },
};
export const WEBHOOK_CONFIG_FILE_ENV = 'OTEL_TA_WEBHOOK_CONFIG_FILE';

function parseFileSettings(path: string, text: string): Partial<Record<Setting, string>> {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (err) {
    throw new UsageError(
      'WEBHOOK_CONFIG_INVALID',
      `${path} is not valid YAML: ${yamlSyntaxReason(err)}`,
    );
  }
  if (document === null || document === undefined) return {};
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw new UsageError(
      'WEBHOOK_CONFIG_INVALID',
      `${path} must be a map of settings (see docs/webhook.md)`,
    );
  }
  const byKey = new Map(
    Object.entries(WEBHOOK_SETTINGS).map(([setting, names]) => [names.key, setting as Setting]),
  );
  const result: Partial<Record<Setting, string>> = {};
  for (const [key, value] of Object.entries(document as Record<string, unknown>)) {
    const setting = byKey.get(key);
    if (setting === undefined) {
      throw new UsageError(
        'WEBHOOK_CONFIG_INVALID',
        `${path}: unknown key "${key}"; the keys are ${[...byKey.keys()].join(', ')}`,
      );
    }
    // A count of seconds may be written as a YAML number.
    if (setting === 'certificateWaitSeconds' && typeof value === 'number') {
      result[setting] = String(value);
      continue;
    }
    if (typeof value !== 'string') {
      throw new UsageError('WEBHOOK_CONFIG_INVALID', `${path}: ${key} must be a string`);
    }
    result[setting] = value;
  }
  return result;
}

function required(value: string | undefined, setting: Setting, flag: string): string {
  if (value === undefined || value === '') {
    const names = WEBHOOK_SETTINGS[setting];
    throw new UsageError(
      'WEBHOOK_CONFIG_MISSING',
      `the webhook needs ${flag} FILE (or ${names.env}, or ${names.key} in the config file)`,
    );
  }
  return value;
}

/**
 * Builds the webhook's configuration: defaults < config file < environment < flags, then one
 * validation step. The only place the webhook reads its settings.
 */
export function buildWebhookConfig(
  flags: WebhookFlags,
  env: Environment,
  file: { readonly path: string; readonly text: string } | undefined,
): WebhookConfig {
  const fromFile = file === undefined ? {} : parseFileSettings(file.path, file.text);
  const pick = (setting: Setting): string | undefined => {
    const fromEnv = env[WEBHOOK_SETTINGS[setting].env];
    return flags[setting] ?? (fromEnv === '' ? undefined : fromEnv) ?? fromFile[setting];
  };
  const logLevel = pick('logLevel') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new UsageError(
      'WEBHOOK_CONFIG_INVALID',
      `log level "${logLevel}" is not one of ${LOG_LEVELS.join(', ')}`,
    );
  }
  const policyFile = pick('policyFile');
  const certificateWait = pick('certificateWaitSeconds') ?? '0';
  if (!/^\d+$/.test(certificateWait)) {
    throw new UsageError(
      'WEBHOOK_CONFIG_INVALID',
      `certificate wait "${certificateWait}" must be a whole number of seconds (0 fails at once when the files are missing)`,
    );
  }
  const strategy = pick('defaultAllocationStrategy') ?? 'consistent-hashing';
  if (!(DEFAULTABLE_STRATEGIES as readonly string[]).includes(strategy)) {
    throw new UsageError(
      'WEBHOOK_CONFIG_INVALID',
      `default allocation strategy "${strategy}" is not one of ${DEFAULTABLE_STRATEGIES.join(', ')} ` +
        '(daemonsets always get per-node, which no other mode may use)',
    );
  }
  return {
    tlsCertFile: required(pick('tlsCertFile'), 'tlsCertFile', '--tls-cert-file'),
    tlsKeyFile: required(pick('tlsKeyFile'), 'tlsKeyFile', '--tls-key-file'),
    listenAddr: parseListenAddress(pick('listenAddr') ?? DEFAULT_WEBHOOK_LISTEN_ADDR),
    policyFile: policyFile === '' ? undefined : policyFile,
    allocatorImage: pick('allocatorImage') ?? DEFAULT_ALLOCATOR_IMAGE,
    defaultAllocationStrategy: strategy as DefaultableStrategy,
    collectorRefreshInterval: refreshIntervalSetting(pick('collectorRefreshInterval')),
    logLevel,
    certificateWaitSeconds: Number(certificateWait),
  };
}

export { DEFAULT_REFRESH_INTERVAL };

function refreshIntervalSetting(value: string | undefined): string {
  if (value === undefined || value === '') return DEFAULT_REFRESH_INTERVAL;
  const names = WEBHOOK_SETTINGS.collectorRefreshInterval;
  return parseCollectorRefreshInterval(
    value,
    `--collector-refresh-interval (${names.env}, ${names.key})`,
  );
}

/** A refresh interval setting in Prometheus form; a UsageError names `where` and what to write. */
export function parseCollectorRefreshInterval(value: string, where: string): string {
  try {
    return checkRefreshInterval(value, where).text;
  } catch (err) {
    if (!(err instanceof CollectorInputError)) throw err;
    throw new UsageError('WEBHOOK_CONFIG_INVALID', err.message);
  }
}

/** Reads the config file named by the flag or the environment, if any, and builds the config. */
export async function loadWebhookConfig(
  flags: WebhookFlags,
  env: Environment,
): Promise<WebhookConfig> {
  const path = flags.configFile ?? env[WEBHOOK_CONFIG_FILE_ENV];
  if (path === undefined || path === '') return buildWebhookConfig(flags, env, undefined);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(
      'WEBHOOK_CONFIG_UNREADABLE',
      `cannot read the webhook config file ${path}: ${errorMessage(err)}`,
    );
  }
  return buildWebhookConfig(flags, env, { path, text });
}
