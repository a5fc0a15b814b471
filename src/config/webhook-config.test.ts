import { describe, expect, it } from 'vitest';
import { DEFAULT_ALLOCATOR_IMAGE, buildWebhookConfig } from './webhook-config.js';

const TLS = { tlsCertFile: '/tls/tls.crt', tlsKeyFile: '/tls/tls.key' };

describe('buildWebhookConfig', () => {
  it('takes the collectors refresh interval from a flag, the environment or the file, and refuses one out of range', () => {
    const file = { path: 'w.yaml', text: 'collector_refresh_interval: 1m30s\n' };
    expect(buildWebhookConfig(TLS, {}, file).collectorRefreshInterval).toBe('1m30s');
    const env = { OTEL_TA_WEBHOOK_COLLECTOR_REFRESH_INTERVAL: '20s' };
    expect(buildWebhookConfig(TLS, env, file).collectorRefreshInterval).toBe('20s');
    expect(
      buildWebhookConfig({ ...TLS, collectorRefreshInterval: '15s' }, env, file)
        .collectorRefreshInterval,
    ).toBe('15s');
    expect(() =>
      buildWebhookConfig({ ...TLS, collectorRefreshInterval: '0s' }, {}, undefined),
    ).toThrow(
      '--collector-refresh-interval (OTEL_TA_WEBHOOK_COLLECTOR_REFRESH_INTERVAL, collector_refresh_interval) is 0s: collectors would poll the allocator without pause; write a duration between 1s and 5m, such as 10s',
    );
    expect(() =>
      buildWebhookConfig({ ...TLS, collectorRefreshInterval: 'fast' }, {}, undefined),
    ).toThrow('not a duration');
  });

  it('applies the defaults', () => {
    const config = buildWebhookConfig(TLS, {}, undefined);
    expect(config).toEqual({
      ...TLS,
      listenAddr: { host: undefined, port: 9443 },
      policyFile: undefined,
      allocatorImage: DEFAULT_ALLOCATOR_IMAGE,
      defaultAllocationStrategy: 'consistent-hashing',
      collectorRefreshInterval: '10s',
      logLevel: 'info',
      certificateWaitSeconds: 0,
    });
  });

  it('lets flags beat the environment and the environment beat the file', () => {
    const file = {
      path: 'webhook.yaml',
      text: 'tls_cert_file: /file/tls.crt\ntls_key_file: /file/tls.key\nlisten_addr: ":1"\nallocator_image: file/image\nlog_level: warn\npolicy_file: /file/policy.yaml\ncertificate_wait_seconds: 5\ndefault_allocation_strategy: least-weighted\n',
    };
    const env = {
      OTEL_TA_WEBHOOK_LISTEN_ADDR: '127.0.0.1:2',
      OTEL_TA_WEBHOOK_ALLOCATOR_IMAGE: 'env/image',
      OTEL_TA_WEBHOOK_CERTIFICATE_WAIT_SECONDS: '30',
    };
    const config = buildWebhookConfig({ allocatorImage: 'flag/image' }, env, file);
    expect(config).toEqual({
      tlsCertFile: '/file/tls.crt',
      tlsKeyFile: '/file/tls.key',
      listenAddr: { host: '127.0.0.1', port: 2 },
      policyFile: '/file/policy.yaml',
      allocatorImage: 'flag/image',
      defaultAllocationStrategy: 'least-weighted',
      collectorRefreshInterval: '10s',
      logLevel: 'warn',
      certificateWaitSeconds: 30,
    });
  });

  it('names the flag, variable and key of a missing certificate', () => {
    expect(() => buildWebhookConfig({}, {}, undefined)).toThrow(
      /--tls-cert-file FILE \(or OTEL_TA_WEBHOOK_TLS_CERT_FILE, or tls_cert_file in the config file\)/,
    );
  });

  it.each([
    ['an unknown key', 'tls_cert: x\n', /unknown key "tls_cert"/],
    ['a value of the wrong type', 'listen_addr: 9443\n', /listen_addr must be a string/],
    ['text that is not YAML', 'a: [\n', /not valid YAML/],
  ])('rejects a config file with %s', (_label, text, message) => {
    expect(() => buildWebhookConfig(TLS, {}, { path: 'w.yaml', text })).toThrow(message);
  });

  it('rejects an unknown log level and a listen address without a port', () => {
    expect(() => buildWebhookConfig({ ...TLS, logLevel: 'loud' }, {}, undefined)).toThrow(
      /log level "loud"/,
    );
    expect(() => buildWebhookConfig({ ...TLS, listenAddr: 'localhost' }, {}, undefined)).toThrow(
      /no port/,
    );
    expect(() =>
      buildWebhookConfig({ ...TLS, certificateWaitSeconds: 'soon' }, {}, undefined),
    ).toThrow(/whole number of seconds/);
  });

  it("refuses a default strategy that cannot be every collector's, naming the choices", () => {
    for (const strategy of ['per-node', 'round-robin']) {
      expect(() =>
        buildWebhookConfig({ ...TLS, defaultAllocationStrategy: strategy }, {}, undefined),
      ).toThrow(
        `default allocation strategy "${strategy}" is not one of consistent-hashing, least-weighted`,
      );
    }
    const fromEnv = { OTEL_TA_WEBHOOK_DEFAULT_ALLOCATION_STRATEGY: 'least-weighted' };
    expect(buildWebhookConfig(TLS, fromEnv, undefined).defaultAllocationStrategy).toBe(
      'least-weighted',
    );
  });
});
