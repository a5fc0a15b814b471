/**
 * A real consumer of ScrapeConfig and Probe jobs: the real OpenTelemetry Collector (built by
 * scripts/build-otelcol.sh) in `target_allocator` mode polls the real `otel-ta allocator`
 * over mTLS; the allocator watches prometheus-operator's own CRDs on a real kube-apiserver. The
 * collector scrapes what a ScrapeConfig declares (one target demanding basic auth from a Secret,
 * which only the mTLS /scrape_configs reveals) and what a Probe declares (through a small local
 * prober answering /probe?target=...), and remote-writes to a real Prometheus, where the test
 * reads what was actually scraped.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { applyJson } from './controller-kube.js';
import { startControlPlane, type ControlPlane } from './harness/control-plane.js';
import { startAllocatorWithConfig } from './support/allocator-process.js';
import { serveOnLoopback, type LoopbackHttp } from './support/loopback-http.js';
import { otelcolBinary } from './support/otelcol-binary.js';
import { freePort, ProcessGroup, waitFor } from './support/processes.js';
import { startPrometheus, type PrometheusInstance } from './support/prometheus.js';
import { installPrometheusOperatorCrds } from './support/prometheus-operator-crds.js';
import {
  testCertificateAuthority,
  testClientCertificate,
  testServingCertificate,
} from './support/test-certificates.js';

const NS = 'shop';
const PROBED_URL = 'https://shop.example/health';
const BASIC = `Basic ${Buffer.from('scraper:hunter2').toString('base64')}`;

/** A /metrics endpoint serving one gauge; `auth` makes it answer 401 without that header. */
function metricsEndpoint(
  metric: string,
  auth?: string,
): { seen: string[]; handler: (req: IncomingMessage, res: ServerResponse) => void } {
  const seen: string[] = [];
  return {
    seen,
    handler: (req, res) => {
      seen.push(req.headers.authorization ?? '');
      if (auth !== undefined && req.headers.authorization !== auth) {
        res.writeHead(401, { 'www-authenticate': 'Basic' }).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(`# TYPE ${metric} gauge\n${metric} 1\n`);
    },
  };
}

describe('the real collector scrapes ScrapeConfig and Probe targets served by otel-ta', () => {
  let cp: ControlPlane;
  let group: ProcessGroup;
  let prometheus: PrometheusInstance;
  let allocatorUrl = '';
  const servers: LoopbackHttp[] = [];
  const open = metricsEndpoint('shop_open_up');
  const secured = metricsEndpoint('shop_secured_up', BASIC);
  const probes: string[] = [];

  beforeAll(async () => {
    group = await ProcessGroup.create('collector-prometheus-cr');
    const [binary] = await Promise.all([
      otelcolBinary(),
      (async () => {
        cp = await startControlPlane();
        await installPrometheusOperatorCrds(cp);
      })(),
    ]);
    const openServer = await serveOnLoopback(open.handler);
    const securedServer = await serveOnLoopback(secured.handler);
    // The prober: what a blackbox exporter answers for the probed URL it is given.
    const prober = await serveOnLoopback((req, res) => {
      const query = new URL(req.url ?? '/', 'http://prober').searchParams;
      probes.push(`${query.get('module') ?? ''} ${query.get('target') ?? ''}`);
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end('# TYPE probe_success gauge\nprobe_success 1\n');
    });
    servers.push(openServer, securedServer, prober);

    await applyJson(
      cp,
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'scrape-auth', namespace: NS },
        stringData: { username: 'scraper', password: 'hunter2' },
      },
      {
        apiVersion: 'monitoring.coreos.com/v1alpha1',
        kind: 'ScrapeConfig',
        metadata: { name: 'open', namespace: NS },
        spec: {
          staticConfigs: [{ targets: [`127.0.0.1:${openServer.port}`], labels: { team: 'web' } }],
        },
      },
      {
        apiVersion: 'monitoring.coreos.com/v1alpha1',
        kind: 'ScrapeConfig',
        metadata: { name: 'secured', namespace: NS },
        spec: {
          staticConfigs: [{ targets: [`127.0.0.1:${securedServer.port}`] }],
          basicAuth: {
            username: { name: 'scrape-auth', key: 'username' },
            password: { name: 'scrape-auth', key: 'password' },
          },
        },
      },
      {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'Probe',
        metadata: { name: 'site', namespace: NS },
        spec: {
          module: 'http_2xx',
          prober: { url: `127.0.0.1:${prober.port}` },
          targets: { staticConfig: { static: [PROBED_URL] } },
        },
      },
    );

    // mTLS between collector and allocator: the only way the collector sees the password.
    const dir = join(group.logDir, 'tls');
    await mkdir(dir, { recursive: true });
    const ca = testCertificateAuthority();
    const serving = testServingCertificate(ca);
    const client = testClientCertificate(ca, 'collector-0');
    const files = {
      ca: join(dir, 'ca.crt'),
      cert: join(dir, 'tls.crt'),
      key: join(dir, 'tls.key'),
      clientCert: join(dir, 'client.crt'),
      clientKey: join(dir, 'client.key'),
    };
    await writeFile(files.ca, ca.certPem);
    await writeFile(files.cert, serving.certPem);
    await writeFile(files.key, serving.keyPem);
    await writeFile(files.clientCert, client.certPem);
    await writeFile(files.clientKey, client.keyPem);

    const httpsPort = await freePort();
    ({ url: allocatorUrl } = await startAllocatorWithConfig(group, 'allocator', {
      kube_config_file_path: cp.kubeconfigPath,
      collector_namespace: 'observability',
      collectors: ['collector-0'],
      https: {
        enabled: true,
        listen_addr: `127.0.0.1:${httpsPort}`,
        ca_file_path: files.ca,
        tls_cert_file_path: files.cert,
        tls_key_file_path: files.key,
      },
      prometheus_cr: {
        enabled: true,
        scrape_interval: '2s',
        scrape_config_selector: {},
        probe_selector: {},
        secret_namespaces: [NS],
      },
      config: { scrape_configs: [] },
    }));

    prometheus = await startPrometheus(group, {
      name: 'prometheus',
      config: { global: { scrape_interval: '1m' } },
      remoteWriteReceiver: true,
    });
    const collectorConfig = join(dir, '..', 'otelcol.yaml');
    await writeFile(
      collectorConfig,
      stringify({
        receivers: {
          prometheus: {
            config: { global: { scrape_interval: '2s' } },
            target_allocator: {
              endpoint: `https://127.0.0.1:${httpsPort}`,
              interval: '2s',
              collector_id: 'collector-0',
              http_sd_config: { refresh_interval: '2s' },
              tls: { ca_file: files.ca, cert_file: files.clientCert, key_file: files.clientKey },
            },
          },
        },
        exporters: {
          prometheus_remote_write: { endpoint: `${prometheus.url}/api/v1/write` },
        },
        service: {
          // No self-telemetry listener: a fixed :8888 would collide with parallel test runs.
          telemetry: { metrics: { level: 'none' } },
          pipelines: {
            metrics: { receivers: ['prometheus'], exporters: ['prometheus_remote_write'] },
          },
        },
      }),
    );
    group.start('otelcol', binary, ['--config', collectorConfig]);
  }, 1_500_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await group?.stopAll();
    await cp?.stop();
  });

  async function series(promql: string): Promise<Array<Record<string, string>>> {
    return waitFor(
      `${promql} in Prometheus`,
      async () => {
        const result = await prometheus.query(promql);
        return result.length > 0 ? result.map((r) => r.metric) : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1000 },
    ).catch(async (err: unknown) => {
      throw new Error(`${String(err)}\n${await group.tails(30)}`);
    });
  }

  it('scrapes the ScrapeConfig targets, the secured one with the basic auth read from the Secret', async () => {
    const [openSeries] = await series('shop_open_up');
    expect(openSeries).toMatchObject({
      job: 'scrapeConfig/shop/open',
      instance: `127.0.0.1:${servers[0]?.port}`,
      team: 'web',
    });
    const [securedSeries] = await series('shop_secured_up');
    expect(securedSeries).toMatchObject({ job: 'scrapeConfig/shop/secured' });
    expect(secured.seen.length).toBeGreaterThan(0);
    expect(secured.seen.every((header) => header === BASIC)).toBe(true);
    // The plain listener never reveals the password; the collector got it over mTLS.
    const plain = (await (await fetch(`${allocatorUrl}/scrape_configs`)).json()) as Record<
      string,
      { basic_auth?: { password?: string } }
    >;
    expect(plain['scrapeConfig/shop/secured']?.basic_auth?.password).toBe('<secret>');
  }, 180_000);

  it('scrapes the Probe through the prober, with the probed URL as the target parameter and instance', async () => {
    const [probeSeries] = await series('probe_success');
    expect(probeSeries).toMatchObject({ job: 'probe/shop/site', instance: PROBED_URL });
    expect(probes).toContain(`http_2xx ${PROBED_URL}`);
  }, 180_000);
});
