/**
 * Every field the Prometheus CR translation writes must be one the real collector accepts: its
 * prometheus receiver validates each job it gets from /scrape_configs and refuses the whole update
 * for one bad job. Here the jobs translated from a ServiceMonitor, PodMonitor, ScrapeConfig and
 * Probe that set (nearly) every field go into a collector config as scrape_configs, and the real
 * collector's `validate` command (Prometheus's own unmarshalling and checks) must accept them.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { TranslationContext } from '../../src/allocator/prometheus-cr/endpoint-settings.js';
import { translatePodMonitor } from '../../src/allocator/prometheus-cr/pod-monitor.js';
import { translateProbe } from '../../src/allocator/prometheus-cr/probe.js';
import { translateScrapeConfig } from '../../src/allocator/prometheus-cr/scrape-config.js';
import { translateServiceMonitor } from '../../src/allocator/prometheus-cr/service-monitor.js';
import type { KubeObject } from '../../src/k8s/object.js';
import { otelcolBinary } from './support/otelcol-binary.js';

const CTX: TranslationContext = {
  defaultScrapeInterval: '30s',
  denyFsAccess: false,
  secrets: (_ns, _name, key) => `secret-${key}`,
  configMaps: (_ns, _name, key) => `configmap-${key}`,
  secretNamespaces: ['shop'],
  scrapeClasses: [
    {
      name: 'std',
      default: true,
      relabelings: [{ targetLabel: 'cluster', replacement: 'eu-1' }],
      metricRelabelings: [{ action: 'LabelDrop', regex: 'tmp_.*' }],
      tlsConfig: { caFile: '/etc/class/ca.crt' },
      fallbackScrapeProtocol: 'PrometheusText1.0.0',
    },
  ],
};

const ref = (key: string): object => ({ name: 'creds', key });
const RELABEL = [
  { sourceLabels: ['__address__'], targetLabel: 'host', regex: '(.*):\\d+', replacement: '$1' },
  { action: 'hashmod', sourceLabels: ['__address__'], targetLabel: '__tmp_hash', modulus: 4 },
];
const LIMITS = {
  sampleLimit: 1000,
  targetLimit: 10,
  labelLimit: 30,
  labelNameLengthLimit: 64,
  labelValueLengthLimit: 256,
  keepDroppedTargets: 5,
};

function object(kind: string, spec: Record<string, unknown>): KubeObject {
  return { kind, metadata: { name: 'all-fields', namespace: 'shop' }, spec };
}

const OBJECTS: Array<[string, () => readonly Record<string, unknown>[]]> = [
  [
    'ServiceMonitor',
    () =>
      translateServiceMonitor(
        object('ServiceMonitor', {
          selector: {
            matchLabels: { app: 'web' },
            matchExpressions: [{ key: 'tier', operator: 'Exists' }],
          },
          namespaceSelector: { any: true },
          attachMetadata: { node: true },
          targetLabels: ['team'],
          podTargetLabels: ['version'],
          jobLabel: 'app',
          ...LIMITS,
          scrapeProtocols: ['OpenMetricsText1.0.0', 'PrometheusText0.0.4'],
          fallbackScrapeProtocol: 'PrometheusText0.0.4',
          bodySizeLimit: '10MB',
          nativeHistogramBucketLimit: 100,
          scrapeClassicHistograms: true,
          endpoints: [
            {
              port: 'metrics',
              path: '/stats',
              scheme: 'https',
              interval: '15s',
              scrapeTimeout: '10s',
              params: { format: ['prom'] },
              honorLabels: true,
              honorTimestamps: false,
              proxyUrl: 'http://proxy:3128',
              followRedirects: false,
              enableHttp2: false,
              bearerTokenSecret: ref('token'),
              tlsConfig: {
                ca: { configMap: ref('ca.crt') },
                cert: { secret: ref('tls.crt') },
                keySecret: ref('tls.key'),
                serverName: 'web',
                insecureSkipVerify: false,
              },
              relabelings: RELABEL,
              metricRelabelings: [{ action: 'drop', sourceLabels: ['__name__'], regex: 'go_.*' }],
            },
            { targetPort: 9000, basicAuth: { username: ref('user'), password: ref('pass') } },
            {
              port: 'oauth',
              oauth2: {
                clientId: { secret: ref('id') },
                clientSecret: ref('secret'),
                tokenUrl: 'https://idp.example/token',
                scopes: ['metrics'],
                endpointParams: { audience: 'shop' },
              },
            },
          ],
        }),
        CTX,
      ).scrapeConfigs,
  ],
  [
    'PodMonitor',
    () =>
      translatePodMonitor(
        object('PodMonitor', {
          selector: { matchLabels: { app: 'worker' } },
          podMetricsEndpoints: [
            { portNumber: 7070, authorization: { type: 'Token', credentials: ref('token') } },
          ],
        }),
        CTX,
      ).scrapeConfigs,
  ],
  [
    'ScrapeConfig',
    () =>
      translateScrapeConfig(
        object('ScrapeConfig', {
          jobName: 'databases',
          scrapeInterval: '20s',
          scrapeTimeout: '5s',
          metricsPath: '/metrics',
          scheme: 'HTTPS',
          params: { collect: ['a', 'b'] },
          honorLabels: false,
          honorTimestamps: true,
          trackTimestampsStaleness: true,
          enableCompression: true,
          enableHTTP2: true,
          scrapeProtocols: ['PrometheusProto', 'PrometheusText0.0.4'],
          fallbackScrapeProtocol: 'PrometheusText0.0.4',
          proxyUrl: 'http://proxy:3128',
          noProxy: 'localhost',
          proxyConnectHeader: { 'X-Auth': [ref('token')] },
          nativeHistogramBucketLimit: 160,
          nativeHistogramMinBucketFactor: '1.1',
          scrapeClassicHistograms: true,
          convertClassicHistogramsToNHCB: true,
          nameValidationScheme: 'UTF8',
          nameEscapingScheme: 'Underscores',
          ...LIMITS,
          basicAuth: { username: ref('user'), password: ref('pass') },
          tlsConfig: { ca: { secret: ref('ca.crt') }, minVersion: 'TLS12', maxVersion: 'TLS13' },
          staticConfigs: [{ targets: ['db-1:9187', 'db-2:9187'], labels: { role: 'db' } }],
          fileSDConfigs: [{ files: ['/etc/sd/*.json'], refreshInterval: '1m' }],
          httpSDConfigs: [
            {
              url: 'https://sd.example/targets',
              refreshInterval: '30s',
              authorization: { credentials: ref('token') },
              tlsConfig: { insecureSkipVerify: true },
              followRedirects: true,
              enableHTTP2: false,
            },
          ],
          kubernetesSDConfigs: [
            {
              role: 'EndpointSlice',
              namespaces: { names: ['shop'], ownNamespace: true },
              selectors: [{ role: 'Pod', label: 'app=web' }],
              attachMetadata: { node: true },
            },
            {
              role: 'Node',
              apiServer: 'https://k8s.example',
              basicAuth: { username: ref('user') },
            },
          ],
          dnsSDConfigs: [
            { names: ['_metrics._tcp.shop'], type: 'SRV', refreshInterval: '1m' },
            { names: ['db.shop'], type: 'A', port: 9187 },
          ],
          relabelings: RELABEL,
          metricRelabelings: [{ action: 'keep', sourceLabels: ['__name__'], regex: 'pg_.*' }],
        }),
        CTX,
      ).scrapeConfigs,
  ],
  [
    'Probe (static)',
    () =>
      translateProbe(
        object('Probe', {
          jobName: 'blackbox',
          module: 'http_2xx',
          params: [{ name: 'debug', values: ['true'] }],
          interval: '30s',
          scrapeTimeout: '10s',
          prober: {
            url: 'blackbox:9115',
            scheme: 'http',
            path: '/probe',
            proxyUrl: 'http://proxy:3128',
          },
          ...LIMITS,
          oauth2: {
            clientId: { configMap: ref('id') },
            clientSecret: ref('secret'),
            tokenUrl: 'https://idp/t',
          },
          targets: {
            staticConfig: {
              static: ['https://shop.example/health', 'http://shop.example:8080/'],
              labels: { team: 'web' },
              relabelingConfigs: RELABEL,
            },
          },
          metricRelabelings: [
            { action: 'drop', sourceLabels: ['__name__'], regex: 'probe_dns_.*' },
          ],
        }),
        CTX,
      ).scrapeConfigs,
  ],
  [
    'Probe (ingress)',
    () =>
      translateProbe(
        object('Probe', {
          prober: { url: 'blackbox:9115' },
          bearerTokenSecret: ref('token'),
          targets: {
            ingress: {
              selector: { matchExpressions: [{ key: 'probe', operator: 'In', values: ['yes'] }] },
              namespaceSelector: { matchNames: ['shop'] },
              relabelingConfigs: RELABEL,
            },
          },
        }),
        CTX,
      ).scrapeConfigs,
  ],
];

/** The collector unescapes `$$` to `$` in its config; jobs from /scrape_configs are not escaped. */
function escapeDollars(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll('$', () => '$$');
  if (Array.isArray(value)) return value.map(escapeDollars);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeDollars(v)]));
  }
  return value;
}

async function validate(
  binary: string,
  file: string,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(binary, ['validate', '--config', file], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, output };
}

describe('the real collector accepts every job the Prometheus CR translation writes', () => {
  let binary = '';
  let dir = '';

  beforeAll(async () => {
    binary = await otelcolBinary();
    dir = await mkdtemp(join(tmpdir(), 'collector-accepts-cr-jobs-'));
  }, 1_500_000);

  afterAll(async () => {
    if (dir !== '') await rm(dir, { recursive: true, force: true });
  });

  it.each(OBJECTS)(
    '%s',
    async (kind, translate) => {
      const jobs = translate();
      expect(jobs.length).toBeGreaterThan(0);
      const file = join(dir, `${kind.replace(/\W+/g, '-')}.yaml`);
      await writeFile(
        file,
        stringify({
          receivers: { prometheus: { config: { scrape_configs: escapeDollars(jobs) } } },
          exporters: { debug: {} },
          service: {
            telemetry: { metrics: { level: 'none' } },
            pipelines: { metrics: { receivers: ['prometheus'], exporters: ['debug'] } },
          },
        }),
      );
      const result = await validate(binary, file);
      expect(result.output).toBe('');
      expect(result.code).toBe(0);
    },
    60_000,
  );

  it('and refuses a job Prometheus refuses, so the check above has teeth', async () => {
    const file = join(dir, 'refused.yaml');
    await writeFile(
      file,
      stringify({
        receivers: {
          prometheus: {
            config: {
              scrape_configs: [
                {
                  job_name: 'two-auths',
                  basic_auth: { username: 'a' },
                  authorization: { credentials: 'b' },
                  static_configs: [{ targets: ['a:1'] }],
                },
              ],
            },
          },
        },
        exporters: { debug: {} },
        service: { pipelines: { metrics: { receivers: ['prometheus'], exporters: ['debug'] } } },
      }),
    );
    const result = await validate(binary, file);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('at most one of basic_auth, oauth2 & authorization');
  }, 60_000);
});
