import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import {
  buildAllocatorConfig,
  loadAllocatorConfig,
  parseGoDuration,
  parsePrometheusDuration,
  type AllocatorFlags,
  type Environment,
} from './allocator-config.js';

const BASE = `
collector_namespace: observability
config:
  scrape_configs:
    - job_name: app
      static_configs: [{targets: ["10.0.0.1:8080"]}]
`;

function build(text: string, flags: AllocatorFlags = {}, env: Environment = {}) {
  return buildAllocatorConfig({ flags, env, file: { path: '/conf/ta.yaml', text } });
}

function errorOf(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error('expected a UsageError');
}

describe('allocator config', () => {
  it('fills upstream defaults for every key the file leaves out', () => {
    const config = build(BASE);
    expect(config).toMatchObject({
      listenAddr: ':8080',
      collectorNamespace: 'observability',
      allocationStrategy: 'consistent-hashing',
      allocationFallbackStrategy: undefined,
      allocationRebalanceOnJoin: false,
      filterStrategy: 'relabel-config',
      filterByRelabel: true,
      allowInsecureAuthSecrets: false,
      collectorNotReadyGracePeriodMs: 30_000,
      collectors: undefined,
      https: { enabled: false, listenAddr: ':8443' },
      prometheusCr: { enabled: false, scrapeIntervalMs: 30_000, serviceMonitorSelector: null },
    });
    expect(config.prometheus.scrapeConfigs.map((j) => j.job_name)).toEqual(['app']);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.prometheus.scrapeConfigs[0])).toBe(true);
  });

  it('handoff settings: refresh 10s, silence 3 refresh intervals, departure grace 10s by default; each can be set', () => {
    expect(build(BASE)).toMatchObject({
      collectorRefreshIntervalMs: 10_000,
      collectorSilenceTimeoutMs: 30_000,
      collectorDepartureGraceMs: 10_000,
    });
    expect(build(`${BASE}collector_refresh_interval: 20s\n`)).toMatchObject({
      collectorRefreshIntervalMs: 20_000,
      collectorSilenceTimeoutMs: 60_000,
    });
    expect(
      build(`${BASE}collector_silence_timeout: 0\ncollector_departure_grace_period: 0s\n`),
    ).toMatchObject({ collectorSilenceTimeoutMs: 0, collectorDepartureGraceMs: 0 });
  });

  it('refuses handoff settings that are no duration, a zero refresh interval, or a silence shorter than a refresh', () => {
    expect(errorOf(() => build(`${BASE}collector_refresh_interval: often\n`)).message).toContain(
      'collector_refresh_interval: invalid duration "often" (examples: 10s or 1m)',
    );
    expect(errorOf(() => build(`${BASE}collector_refresh_interval: 0s\n`)).message).toContain(
      'collector_refresh_interval: must be more than 0',
    );
    expect(errorOf(() => build(`${BASE}collector_silence_timeout: 5s\n`)).message).toContain(
      'collector_silence_timeout: must be longer than collector_refresh_interval (10s)',
    );
    expect(errorOf(() => build(`${BASE}collector_departure_grace_period: 30\n`)).message).toContain(
      'collector_departure_grace_period: invalid duration 30',
    );
  });

  it('applies defaults < file < env < flags', () => {
    const file = `${BASE}
listen_addr: ":9000"
allow_insecure_auth_secrets: false
collectors: [file-a]
https: {enabled: false, listen_addr: ":9443", ca_file_path: /f/ca, tls_cert_file_path: /f/crt, tls_key_file_path: /f/key}
`;
    const fromFile = build(file);
    expect(fromFile.listenAddr).toBe(':9000');
    expect(fromFile.collectors).toEqual(['file-a']);
    const withEnv = build(
      file,
      {},
      { OTELCOL_NAMESPACE: 'from-env', ALLOW_INSECURE_AUTH_SECRETS: 'true' },
    );
    expect(withEnv.collectorNamespace).toBe('from-env');
    expect(withEnv.allowInsecureAuthSecrets).toBe(true);
    const withFlags = build(
      file,
      {
        listenAddr: '127.0.0.1:7000',
        collectorIds: 'a, b,c',
        enablePrometheusCrWatcher: true,
        enableHttpsServer: true,
        listenAddrHttps: ':7443',
        httpsCaFile: '/x/ca',
        kubeconfigPath: '/kube',
        logLevel: 'debug',
      },
      { OTELCOL_NAMESPACE: 'from-env' },
    );
    expect(withFlags).toMatchObject({
      listenAddr: '127.0.0.1:7000',
      collectors: ['a', 'b', 'c'],
      kubeConfigFilePath: '/kube',
      logLevel: 'debug',
      prometheusCr: { enabled: true },
      https: { enabled: true, listenAddr: ':7443', caFilePath: '/x/ca', tlsCertFilePath: '/f/crt' },
    });
  });

  it('accepts collector_selector in both spellings', () => {
    const camel = build(`${BASE}
collector_selector: {matchLabels: {app: c}, matchExpressions: [{key: tier, operator: In, values: [a]}]}`);
    const lower = build(`${BASE}
collector_selector: {matchlabels: {app: c}, matchexpressions: [{key: tier, operator: In, values: [a]}]}`);
    expect(lower.collectorSelector).toEqual(camel.collectorSelector);
    expect(camel.collectorSelector?.matchLabels).toEqual({ app: 'c' });
  });

  it('parses every prometheus_cr key', () => {
    const config = build(`${BASE}
prometheus_cr:
  enabled: true
  allow_namespaces: [a]
  secret_namespaces: [s]
  service_monitor_selector: {}
  pod_monitor_selector: {matchLabels: {x: y}}
  probe_namespace_selector: {matchlabels: {team: t}}
  scrape_interval: 1m
  evaluation_interval: 15s
  scrape_protocols: [PrometheusProto]
  scrape_classes: [{name: default, default: true}]
  deny_fs_access_through_sms: true
`);
    expect(config.prometheusCr).toMatchObject({
      enabled: true,
      allowNamespaces: ['a'],
      secretNamespaces: ['s'],
      serviceMonitorSelector: { matchLabels: {}, matchExpressions: [] },
      podMonitorSelector: { matchLabels: { x: 'y' } },
      scrapeConfigSelector: null,
      probeNamespaceSelector: { matchLabels: { team: 't' } },
      serviceMonitorNamespaceSelector: { matchLabels: {} },
      scrapeIntervalMs: 60_000,
      evaluationIntervalMs: 15_000,
      scrapeProtocols: ['PrometheusProto'],
      denyFsAccessThroughSms: true,
    });
  });

  it.each([
    [
      'no scrape config and no CR watching',
      'collector_namespace: x\n',
      'at least one scrape config must be defined, or Prometheus CR watching must be enabled',
    ],
    [
      'no collector namespace and no static pool',
      'config: {scrape_configs: [{job_name: a}]}\n',
      'collector namespace must be set',
    ],
    [
      'allow and deny namespaces both set',
      `${BASE}prometheus_cr: {allow_namespaces: [a], deny_namespaces: [b]}\n`,
      'only one of prometheus_cr.allow_namespaces or prometheus_cr.deny_namespaces can be set',
    ],
    [
      'a typo in a top-level key',
      `${BASE}colector_selector: {}\n`,
      'colector_selector: unknown key',
    ],
    ['a typo in a nested key', `${BASE}https: {enable: true}\n`, 'https.enable: unknown key'],
    [
      'a typo in a scrape config',
      'collector_namespace: x\nconfig: {scrape_configs: [{job_name: a, scrape_intervall: 1s}]}\n',
      'config.scrape_configs[0] (job "a"): unknown key "scrape_intervall"',
    ],
    [
      'duplicate job names',
      'collector_namespace: x\nconfig: {scrape_configs: [{job_name: a}, {job_name: a}]}\n',
      'found multiple scrape configs with job name "a"',
    ],
    [
      'a missing job name',
      'collector_namespace: x\nconfig: {scrape_configs: [{}]}\n',
      'job_name is required',
    ],
    [
      'a bad grace period',
      `${BASE}collector_not_ready_grace_period: soon\n`,
      'invalid duration "soon"',
    ],
    [
      'a grace period as a number other than 0',
      `${BASE}collector_not_ready_grace_period: 30\n`,
      'collector_not_ready_grace_period: a number of nanoseconds (30) is not what you mean; write a unit: 30s, 1m, or 0 to disable',
    ],
    [
      'a bad listen address',
      `${BASE}listen_addr: localhost\n`,
      'invalid listen address "localhost"',
    ],
    [
      'https without files',
      `${BASE}https: {enabled: true}\n`,
      'the HTTPS server needs ca_file_path',
    ],
    ['invalid YAML', 'a: [', 'invalid YAML'],
    [
      'a bad selector operator',
      `${BASE}collector_selector: {matchExpressions: [{key: a, operator: Is}]}\n`,
      'must be one of In, NotIn',
    ],
    ['a wrong type', `${BASE}allow_insecure_auth_secrets: "yes"\n`, 'must be true or false'],
  ])('rejects %s with a message naming the problem', (_name, text, message) => {
    const err = errorOf(() => build(text));
    expect(err.message).toContain('config file /conf/ta.yaml: ');
    expect(err.message).toContain(message);
  });

  it('names the line of a YAML syntax error without quoting the text, which may hold a secret', () => {
    const text = `collectors: [a]
config:
  scrape_configs:
  - job_name: x
    basic_auth:
      username: u
      password: hunter2
     static_configs: [{targets: ["a:1"]}]
`;
    const err = errorOf(() => build(text));
    expect(err.message).toBe(
      'config file /conf/ta.yaml: invalid YAML: All mapping items must start at the same column at line 8, column 1',
    );
    expect(err.message).not.toContain('hunter2');
  });

  it('rejects an empty or repeated static pool', () => {
    expect(errorOf(() => build(BASE, { collectorIds: ' , ' })).message).toContain(
      'must not be empty',
    );
    expect(errorOf(() => build(BASE, { collectorIds: 'a,a' })).message).toContain(
      '"a" is listed twice',
    );
  });

  it('rejects an unknown log level', () => {
    expect(errorOf(() => build(BASE, { logLevel: 'loud' })).message).toContain(
      '--log-level must be one of trace, debug, info',
    );
  });

  it('reads allocation_rebalance_on_join for least-weighted, alone or as per-node fallback, and refuses it elsewhere', () => {
    expect(
      build(`${BASE}allocation_strategy: least-weighted\nallocation_rebalance_on_join: true\n`)
        .allocationRebalanceOnJoin,
    ).toBe(true);
    expect(
      build(
        `${BASE}allocation_strategy: per-node\nallocation_fallback_strategy: least-weighted\nallocation_rebalance_on_join: true\n`,
      ).allocationRebalanceOnJoin,
    ).toBe(true);
    expect(errorOf(() => build(`${BASE}allocation_rebalance_on_join: true\n`)).message).toBe(
      "config file /conf/ta.yaml: allocation_rebalance_on_join applies to least-weighted (as allocation_strategy, or as per-node's allocation_fallback_strategy), not to consistent-hashing, which already moves about 1/n of the targets to a joining collector: remove it or change the strategy",
    );
    expect(errorOf(() => build(`${BASE}allocation_rebalance_on_join: "yes"\n`)).message).toContain(
      'must be true or false',
    );
  });

  it('reads the response cache budget in MiB from the file, the flag winning, and rejects non-numbers', () => {
    expect(build(BASE).responseCacheMaxBytes).toBeUndefined();
    expect(build(`${BASE}response_cache_max_mb: 64\n`).responseCacheMaxBytes).toBe(64 * 2 ** 20);
    expect(
      build(`${BASE}response_cache_max_mb: 64\n`, { responseCacheMaxMb: '0' })
        .responseCacheMaxBytes,
    ).toBe(0);
    expect(errorOf(() => build(BASE, { responseCacheMaxMb: 'lots' })).message).toContain(
      '--response-cache-max-mb must be a number of MiB, 0 or more (e.g. 64), got "lots"',
    );
    expect(errorOf(() => build(`${BASE}response_cache_max_mb: -1\n`)).message).toContain(
      'response_cache_max_mb must be a number of MiB',
    );
  });

  it('a static pool replaces the collector namespace requirement', () => {
    const config = build('config: {scrape_configs: [{job_name: a}]}\n', { collectorIds: 'c-0' });
    expect(config.collectors).toEqual(['c-0']);
  });

  it('names an unreadable config file and hints at the flag', async () => {
    await expect(loadAllocatorConfig({ configFile: '/nonexistent/ta.yaml' }, {})).rejects.toThrow(
      /cannot read config file \/nonexistent\/ta.yaml: .*--config-file/,
    );
  });

  it('reads the file named by --config-file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ta-config-'));
    const path = join(dir, 'ta.yaml');
    writeFileSync(path, BASE);
    const config = await loadAllocatorConfig({ configFile: path }, {});
    expect(config.configFilePath).toBe(path);
  });

  it('parses Go and Prometheus durations', () => {
    expect(parseGoDuration('1m30s')).toBe(90_000);
    expect(parseGoDuration('1.5h')).toBe(5_400_000);
    expect(parseGoDuration('0')).toBe(0);
    expect(parseGoDuration('10')).toBeUndefined();
    expect(parsePrometheusDuration('1h30m')).toBe(5_400_000);
    expect(parsePrometheusDuration('1d')).toBe(86_400_000);
    expect(parsePrometheusDuration('100ms')).toBe(100);
    expect(parsePrometheusDuration('1.5h')).toBeUndefined();
    expect(parsePrometheusDuration('30m1h')).toBeUndefined();
  });
});

describe('collector_not_ready_grace_period', () => {
  it.each([
    ['0', 0],
    ['"0"', 0],
    ['0s', 0],
    ['45s', 45_000],
    ['1m30s', 90_000],
  ])('reads %s (the number 0 disables the check, as upstream reads it)', (value, ms) => {
    expect(
      build(`${BASE}collector_not_ready_grace_period: ${value}\n`).collectorNotReadyGracePeriodMs,
    ).toBe(ms);
  });
});
