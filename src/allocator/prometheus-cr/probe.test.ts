import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../k8s/object.js';
import { compileRelabelConfigs } from '../relabel/compile-relabel-configs.js';
import type { TranslationContext } from './endpoint-settings.js';
import { translateProbe } from './probe.js';
import { testTranslationContext } from './test-support.js';

const SECRETS: Record<string, string> = { 'web/auth/user': 'u', 'web/auth/pass': 'p' };

function context(overrides: Partial<TranslationContext> = {}): TranslationContext {
  return testTranslationContext({ secrets: SECRETS }, { secretNamespaces: ['web'], ...overrides });
}

const PROBER = { url: 'blackbox.monitoring:9115', path: '/probe' };
const STATIC = { staticConfig: { static: ['https://example.com/health'] } };

function probe(spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'Probe',
    metadata: { name: 'site', namespace: 'web' },
    spec: { prober: PROBER, targets: STATIC, ...spec },
  };
}

function translate(
  spec: Record<string, unknown>,
  ctx = context(),
): Readonly<Record<string, unknown>> {
  const { scrapeConfigs } = translateProbe(probe(spec), ctx);
  expect(scrapeConfigs).toHaveLength(1);
  return scrapeConfigs[0] ?? {};
}

/** Runs a job's relabel_configs on one target, as the allocator and the collector do. */
function relabel(
  config: Readonly<Record<string, unknown>>,
  labels: Record<string, string>,
): Record<string, string> | null {
  const out = compileRelabelConfigs(config.relabel_configs).apply({
    job: String(config.job_name),
    ...labels,
  });
  return out === null ? null : { ...out };
}

describe('translateProbe', () => {
  it('static targets: job probe/<ns>/<name>; the URL goes to __param_target and instance, the prober to __address__', () => {
    const config = translate({ module: 'http_2xx' });
    expect(config).toEqual({
      job_name: 'probe/web/site',
      honor_timestamps: true,
      metrics_path: '/probe',
      scrape_interval: '30s',
      params: { module: ['http_2xx'] },
      static_configs: [{ targets: ['https://example.com/health'], labels: { namespace: 'web' } }],
      relabel_configs: [
        { source_labels: ['job'], target_label: '__tmp_prometheus_job_name' },
        { source_labels: ['__address__'], target_label: '__param_target' },
        { source_labels: ['__param_target'], target_label: 'instance' },
        { target_label: '__address__', replacement: 'blackbox.monitoring:9115' },
      ],
    });
    expect(
      relabel(config, { __address__: 'https://example.com/health', namespace: 'web' }),
    ).toEqual({
      job: 'probe/web/site',
      __tmp_prometheus_job_name: 'probe/web/site',
      __address__: 'blackbox.monitoring:9115',
      __param_target: 'https://example.com/health',
      instance: 'https://example.com/health',
      namespace: 'web',
    });
  });

  it.each([
    ['interval', { interval: '10s' }, { scrape_interval: '10s' }],
    ['scrapeTimeout', { scrapeTimeout: '5s' }, { scrape_timeout: '5s' }],
    ['prober.scheme', { prober: { ...PROBER, scheme: 'https' } }, { scheme: 'https' }],
    ['prober.path', { prober: { ...PROBER, path: '/blackbox' } }, { metrics_path: '/blackbox' }],
    ['prober.path absent', { prober: { url: 'bb:9115' } }, { metrics_path: '/probe' }],
    [
      'prober.proxyUrl',
      { prober: { ...PROBER, proxyUrl: 'http://proxy:3128' } },
      { proxy_url: 'http://proxy:3128' },
    ],
    [
      'params, module winning over a module param',
      {
        module: 'icmp',
        params: [
          { name: 'module', values: ['x'] },
          { name: 'debug', values: ['true'] },
        ],
      },
      { params: { module: ['icmp'], debug: ['true'] } },
    ],
    ['sampleLimit', { sampleLimit: 100 }, { sample_limit: 100 }],
    ['targetLimit', { targetLimit: 5 }, { target_limit: 5 }],
    ['labelLimit', { labelLimit: 20 }, { label_limit: 20 }],
    ['labelNameLengthLimit', { labelNameLengthLimit: 50 }, { label_name_length_limit: 50 }],
    ['labelValueLengthLimit', { labelValueLengthLimit: 200 }, { label_value_length_limit: 200 }],
    [
      'basicAuth',
      {
        basicAuth: {
          username: { name: 'auth', key: 'user' },
          password: { name: 'auth', key: 'pass' },
        },
      },
      { basic_auth: { username: 'u', password: 'p' } },
    ],
    [
      'bearerTokenSecret',
      { bearerTokenSecret: { name: 'auth', key: 'pass' } },
      { authorization: { type: 'Bearer', credentials: 'p' } },
    ],
    [
      'tlsConfig',
      { tlsConfig: { insecureSkipVerify: true } },
      { tls_config: { insecure_skip_verify: true } },
    ],
    [
      'metricRelabelings',
      {
        metricRelabelings: [{ action: 'drop', sourceLabels: ['__name__'], regex: 'probe_dns_.*' }],
      },
      {
        metric_relabel_configs: [
          { action: 'drop', source_labels: ['__name__'], regex: 'probe_dns_.*' },
        ],
      },
    ],
  ])('%s', (_field, spec, expected) => {
    expect(translate(spec)).toMatchObject(expected);
  });

  it('static labels keep their own namespace label; jobName and relabelingConfigs come in operator order', () => {
    const config = translate({
      jobName: 'blackbox',
      targets: {
        staticConfig: {
          static: ['https://a/'],
          labels: { namespace: 'elsewhere', team: 'web' },
          relabelingConfigs: [{ sourceLabels: ['instance'], targetLabel: 'site' }],
        },
      },
    });
    expect(config.static_configs).toEqual([
      { targets: ['https://a/'], labels: { namespace: 'elsewhere', team: 'web' } },
    ]);
    const rules = config.relabel_configs as unknown[];
    expect(rules[1]).toEqual({ target_label: 'job', replacement: 'blackbox' });
    expect(rules.at(-1)).toEqual({ source_labels: ['instance'], target_label: 'site' });
    expect(relabel(config, { __address__: 'https://a/' })).toMatchObject({
      job: 'blackbox',
      site: 'https://a/',
    });
  });

  it('ingress targets: the ingress role, selector rules, and <scheme>://<host><path> as the probed URL', () => {
    const config = translate({
      targets: {
        ingress: {
          selector: { matchLabels: { probe: 'yes' } },
          namespaceSelector: { matchNames: ['shop'] },
        },
      },
    });
    expect(config.kubernetes_sd_configs).toEqual([
      { role: 'ingress', namespaces: { names: ['shop'] } },
    ]);
    expect(config).not.toHaveProperty('static_configs');
    const discovered = {
      __address__: 'shop.example.com',
      __meta_kubernetes_namespace: 'shop',
      __meta_kubernetes_ingress_name: 'front',
      __meta_kubernetes_ingress_scheme: 'https',
      __meta_kubernetes_ingress_path: '/cart',
      __meta_kubernetes_ingress_label_probe: 'yes',
      __meta_kubernetes_ingress_labelpresent_probe: 'true',
    };
    expect(relabel(config, discovered)).toMatchObject({
      __address__: 'blackbox.monitoring:9115',
      __param_target: 'https://shop.example.com/cart',
      instance: 'https://shop.example.com/cart',
      namespace: 'shop',
      ingress: 'front',
      __tmp_ingress_address: 'shop.example.com',
    });
    expect(
      relabel(config, {
        ...discovered,
        __meta_kubernetes_ingress_label_probe: '',
        __meta_kubernetes_ingress_labelpresent_probe: '',
      }),
    ).toBeNull();
  });

  it('staticConfig wins over ingress when both are set, as the CRD documents', () => {
    const config = translate({ targets: { ...STATIC, ingress: {} } });
    expect(config).toHaveProperty('static_configs');
    expect(config).not.toHaveProperty('kubernetes_sd_configs');
  });

  it.each([
    ['no prober URL', { prober: { path: '/probe' } }, 'spec.prober.url is required'],
    [
      'a prober URL with a scheme',
      { prober: { url: 'http://bb:9115' } },
      'spec.prober.url "http://bb:9115" must be hostname or hostname:port',
    ],
    [
      'no targets',
      { targets: {} },
      'spec.targets: set staticConfig (the URLs to probe) or ingress',
    ],
    [
      'a missing Secret',
      { basicAuth: { username: { name: 'gone', key: 'user' } } },
      'spec.basicAuth.username: key "user" of Secret web/gone is not available',
    ],
  ])('refuses %s, saying what to change', (_what, spec, message) => {
    expect(() => translate(spec)).toThrow(message);
  });
});
