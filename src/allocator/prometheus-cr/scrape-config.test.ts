import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../k8s/object.js';
import type { TranslationContext } from './endpoint-settings.js';
import { translateScrapeConfig } from './scrape-config.js';
import { testTranslationContext } from './test-support.js';

const SECRETS: Record<string, string> = {
  'shop/auth/user': 'scraper',
  'shop/auth/pass': 'hunter2',
  'shop/auth/token': 't0ken',
  'shop/tls/tls.key': 'KEY PEM',
};
const CONFIG_MAPS: Record<string, string> = { 'shop/ca/ca.crt': 'CA PEM' };

function context(overrides: Partial<TranslationContext> = {}): TranslationContext {
  return testTranslationContext(
    { secrets: SECRETS, configMaps: CONFIG_MAPS },
    { secretNamespaces: ['shop'], ...overrides },
  );
}

function scrapeConfig(spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'monitoring.coreos.com/v1alpha1',
    kind: 'ScrapeConfig',
    metadata: { name: 'hosts', namespace: 'shop' },
    spec,
  };
}

function translate(
  spec: Record<string, unknown>,
  ctx = context(),
): Readonly<Record<string, unknown>> {
  const { scrapeConfigs } = translateScrapeConfig(scrapeConfig(spec), ctx);
  expect(scrapeConfigs).toHaveLength(1);
  return scrapeConfigs[0] ?? {};
}

const JOB_RULE = { source_labels: ['job'], target_label: '__tmp_prometheus_job_name' };

describe('translateScrapeConfig', () => {
  it('is one job scrapeConfig/<namespace>/<name>, with the default interval and the job rule', () => {
    expect(translate({ staticConfigs: [{ targets: ['db:9187'] }] })).toEqual({
      job_name: 'scrapeConfig/shop/hosts',
      scrape_interval: '30s',
      static_configs: [{ targets: ['db:9187'] }],
      relabel_configs: [JOB_RULE],
    });
  });

  it.each([
    ['scrapeInterval', '15s', { scrape_interval: '15s' }],
    ['scrapeTimeout', '5s', { scrape_timeout: '5s' }],
    ['metricsPath', '/stats', { metrics_path: '/stats' }],
    ['scheme', 'HTTPS', { scheme: 'https' }],
    [
      'params',
      { format: ['prom'], b: ['1', '2'] },
      { params: { b: ['1', '2'], format: ['prom'] } },
    ],
    ['honorLabels', true, { honor_labels: true }],
    ['honorTimestamps', false, { honor_timestamps: false }],
    ['trackTimestampsStaleness', true, { track_timestamps_staleness: true }],
    ['enableCompression', false, { enable_compression: false }],
    ['enableHTTP2', false, { enable_http2: false }],
    ['sampleLimit', 1000, { sample_limit: 1000 }],
    ['targetLimit', 10, { target_limit: 10 }],
    ['labelLimit', 30, { label_limit: 30 }],
    ['labelNameLengthLimit', 64, { label_name_length_limit: 64 }],
    ['labelValueLengthLimit', 256, { label_value_length_limit: 256 }],
    ['keepDroppedTargets', 5, { keep_dropped_targets: 5 }],
    ['scrapeProtocols', ['PrometheusProto'], { scrape_protocols: ['PrometheusProto'] }],
    [
      'fallbackScrapeProtocol',
      'PrometheusText0.0.4',
      { fallback_scrape_protocol: 'PrometheusText0.0.4' },
    ],
    ['proxyUrl', 'http://proxy:3128', { proxy_url: 'http://proxy:3128' }],
    ['nativeHistogramBucketLimit', 160, { native_histogram_bucket_limit: 160 }],
    ['nativeHistogramMinBucketFactor', '1.1', { native_histogram_min_bucket_factor: 1.1 }],
    ['scrapeClassicHistograms', true, { always_scrape_classic_histograms: true }],
    ['convertClassicHistogramsToNHCB', true, { convert_classic_histograms_to_nhcb: true }],
    ['nameValidationScheme', 'Legacy', { metric_name_validation_scheme: 'legacy' }],
    ['nameEscapingScheme', 'AllowUTF8', { metric_name_escaping_scheme: 'allow-utf-8' }],
    ['noProxy', 'localhost', { no_proxy: 'localhost' }],
    ['proxyFromEnvironment', true, { proxy_from_environment: true }],
    [
      'basicAuth',
      { username: { name: 'auth', key: 'user' }, password: { name: 'auth', key: 'pass' } },
      { basic_auth: { username: 'scraper', password: 'hunter2' } },
    ],
    [
      'authorization',
      { type: 'Token', credentials: { name: 'auth', key: 'token' } },
      { authorization: { type: 'Token', credentials: 't0ken' } },
    ],
    [
      'oauth2',
      {
        clientId: { secret: { name: 'auth', key: 'user' } },
        clientSecret: { name: 'auth', key: 'pass' },
        tokenUrl: 'https://idp/token',
      },
      {
        oauth2: { client_id: 'scraper', client_secret: 'hunter2', token_url: 'https://idp/token' },
      },
    ],
    [
      'tlsConfig',
      {
        ca: { configMap: { name: 'ca', key: 'ca.crt' } },
        cert: { configMap: { name: 'ca', key: 'ca.crt' } },
        keySecret: { name: 'tls', key: 'tls.key' },
        serverName: 'db',
      },
      { tls_config: { ca: 'CA PEM', cert: 'CA PEM', key: 'KEY PEM', server_name: 'db' } },
    ],
    [
      'metricRelabelings',
      [{ action: 'Drop', sourceLabels: ['__name__'], regex: 'go_.*' }],
      { metric_relabel_configs: [{ action: 'drop', source_labels: ['__name__'], regex: 'go_.*' }] },
    ],
  ])('%s', (field, value, expected) => {
    expect(translate({ staticConfigs: [{ targets: ['db:9187'] }], [field]: value })).toMatchObject(
      expected,
    );
  });

  it('prometheus_cr.scrape_protocols is the default of a ScrapeConfig that names none', () => {
    const ctx = context({ defaultScrapeProtocols: ['OpenMetricsText1.0.0'] });
    expect(translate({}, ctx).scrape_protocols).toEqual(['OpenMetricsText1.0.0']);
    expect(translate({ scrapeProtocols: ['PrometheusProto'] }, ctx).scrape_protocols).toEqual([
      'PrometheusProto',
    ]);
  });

  it('jobName and relabelings follow the job rule, in that order', () => {
    expect(
      translate({
        jobName: 'databases',
        relabelings: [{ sourceLabels: ['__address__'], targetLabel: 'host', regex: '(.*):.*' }],
      }).relabel_configs,
    ).toEqual([
      JOB_RULE,
      { target_label: 'job', action: 'replace', replacement: 'databases' },
      { source_labels: ['__address__'], target_label: 'host', regex: '(.*):.*' },
    ]);
  });

  it.each([
    [
      'staticConfigs',
      [{ targets: ['a:1', 'https://b/x'], labels: { env: 'prod' } }],
      'static_configs',
      [{ targets: ['a:1', 'https://b/x'], labels: { env: 'prod' } }],
    ],
    [
      'fileSDConfigs',
      [{ files: ['/etc/sd/*.json'], refreshInterval: '1m' }],
      'file_sd_configs',
      [{ files: ['/etc/sd/*.json'], refresh_interval: '1m' }],
    ],
    [
      'httpSDConfigs',
      [
        {
          url: 'https://sd.example/targets',
          refreshInterval: '30s',
          basicAuth: {
            username: { name: 'auth', key: 'user' },
            password: { name: 'auth', key: 'pass' },
          },
          tlsConfig: { ca: { configMap: { name: 'ca', key: 'ca.crt' } } },
          followRedirects: false,
        },
      ],
      'http_sd_configs',
      [
        {
          url: 'https://sd.example/targets',
          refresh_interval: '30s',
          basic_auth: { username: 'scraper', password: 'hunter2' },
          tls_config: { ca: 'CA PEM' },
          follow_redirects: false,
        },
      ],
    ],
    [
      'kubernetesSDConfigs',
      [
        {
          role: 'EndpointSlice',
          namespaces: { names: ['shop'], ownNamespace: false },
          selectors: [{ role: 'Pod', label: 'app=web' }],
          attachMetadata: { node: true },
        },
      ],
      'kubernetes_sd_configs',
      [
        {
          role: 'endpointslice',
          namespaces: { names: ['shop'], own_namespace: false },
          selectors: [{ role: 'pod', label: 'app=web' }],
          attach_metadata: { node: true },
        },
      ],
    ],
    [
      'dnsSDConfigs',
      [{ names: ['db.example'], type: 'A', port: 9187, refreshInterval: '1m' }],
      'dns_sd_configs',
      [{ names: ['db.example'], type: 'A', port: 9187, refresh_interval: '1m' }],
    ],
  ])('%s becomes %s', (field, value, key, expected) => {
    expect(translate({ [field]: value })[key]).toEqual(expected);
  });

  it.each([
    [
      'an SD kind the allocator does not implement',
      { ec2SDConfigs: [{ region: 'eu-west-1' }] },
      context(),
      'spec.ec2SDConfigs: ec2 service discovery is not implemented by otel-ta, so this ScrapeConfig is left out; discover these targets with staticConfigs, fileSDConfigs, httpSDConfigs, kubernetesSDConfigs or dnsSDConfigs',
    ],
    [
      'a missing Secret',
      { basicAuth: { password: { name: 'nope', key: 'pass' } } },
      context(),
      'spec.basicAuth.password: key "pass" of Secret shop/nope is not available; create it or fix the reference',
    ],
    [
      'a file reference while deny_fs_access_through_sms is set',
      { fileSDConfigs: [{ files: ['/etc/passwd.json'] }] },
      context({ denyFsAccess: true }),
      'spec.fileSDConfigs reads files and prometheus_cr.deny_fs_access_through_sms is set; use staticConfigs or httpSDConfigs, or allow file access',
    ],
    [
      'a DNS record type other than SRV without a port',
      { dnsSDConfigs: [{ names: ['db'], type: 'A' }] },
      context(),
      'spec.dnsSDConfigs[0].port is required for record type A',
    ],
    [
      'ownNamespace with another cluster',
      {
        kubernetesSDConfigs: [
          { role: 'Pod', apiServer: 'https://x', namespaces: { ownNamespace: true } },
        ],
      },
      context(),
      'spec.kubernetesSDConfigs[0].namespaces.ownNamespace cannot be used with apiServer',
    ],
    [
      'a relabeling with a regex RE2 cannot compile, naming where it was written',
      { metricRelabelings: [{ action: 'drop', sourceLabels: ['__name__'], regex: '(?<=x)y' }] },
      context(),
      'spec.metricRelabelings[0]: invalid regex',
    ],
    [
      'a wrongly typed field (an older or newer CRD may let it through)',
      { honorLabels: 'yes', staticConfigs: [{ targets: ['a:1'] }] },
      context(),
      'spec.honorLabels must be true or false',
    ],
    [
      'an unknown scrape class',
      { scrapeClass: 'gold' },
      context(),
      'spec.scrapeClass "gold" is not defined in prometheus_cr.scrape_classes (defined: none)',
    ],
  ])('refuses %s, saying what to change', (_what, spec, ctx, message) => {
    expect(() => translate(spec, ctx)).toThrow(message);
  });

  it('an empty list of an unimplemented SD kind is no SD at all', () => {
    expect(
      translate({ consulSDConfigs: [], staticConfigs: [{ targets: ['a:1'] }] }),
    ).toHaveProperty('static_configs');
  });

  it('inherits the default scrape class: relabelings after the job rule, metric relabelings first, TLS', () => {
    const out = translate(
      { metricRelabelings: [{ action: 'labeldrop', regex: 'x' }] },
      context({
        scrapeClasses: [
          {
            name: 'std',
            default: true,
            relabelings: [{ targetLabel: 'cluster', replacement: 'eu-1' }],
            metricRelabelings: [{ action: 'labeldrop', regex: 'tmp' }],
            tlsConfig: { caFile: '/etc/ca.crt' },
          },
        ],
      }),
    );
    expect(out.relabel_configs).toEqual([
      JOB_RULE,
      { target_label: 'cluster', replacement: 'eu-1' },
    ]);
    expect(out.metric_relabel_configs).toEqual([
      { action: 'labeldrop', regex: 'tmp' },
      { action: 'labeldrop', regex: 'x' },
    ]);
    expect(out.tls_config).toEqual({ ca_file: '/etc/ca.crt' });
  });
});
