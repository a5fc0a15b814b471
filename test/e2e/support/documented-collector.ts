import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { isRecord, type JsonObject } from '../../../src/collector/json-value.js';
import {
  renderAllocatorConfig,
  type AllocatorConfigFile,
} from '../../../src/controller/allocator-config.js';
import { toCollectorResource } from '../../../src/controller/collector-resource.js';
import { Components, selectorLabels, UPSTREAM_MANAGED_BY } from '../../../src/controller/labels.js';
import { parseDuration } from '../../../src/allocator/targets/prometheus-duration.js';

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const MANIFEST = join(REPO_ROOT, 'test/fixtures/collectors/collector-with-ta.v1alpha1.yaml');

export type RewriteMode = 'http_sd' | 'target_allocator';

export interface DocumentedCollectorOptions {
  /** `host:port` of every scrape target, in place of the documentation's `0.0.0.0:8888`. */
  readonly targets: readonly string[];
  /** In place of the documentation's 10s. */
  readonly scrapeInterval: string;
  /** The local remote-write receiver, in place of the documentation's SigV4-signed AMP endpoint. */
  readonly writeUrl: string;
  readonly externalLabels: Readonly<Record<string, string>>;
}

export interface RenderedCollector {
  readonly name: string;
  readonly namespace: string;
  /** The collector config the webhook's rewrite produced (still naming the allocator's Service). */
  readonly config: string;
  /** The allocator config the controller builds from the rendered object. */
  readonly allocator: AllocatorConfigFile;
  /** The labels the allocator's collector_selector matches on the collector pods. */
  readonly podLabels: Readonly<Record<string, string>>;
}

/**
 * The documentation's collector (test/fixtures/collectors/collector-with-ta.v1alpha1.yaml), made
 * runnable on this machine and nothing more: its static target becomes the local targets, its scrape
 * interval the tests' one, and its exporter (Amazon Managed Prometheus with SigV4, plus the batch
 * processor, neither of which the test collector is built with) becomes remote write to the local
 * receiver. Everything else, the metric_relabel_configs with their `$$` included, is as documented.
 */
export async function documentedManifest(
  options: DocumentedCollectorOptions,
  mode: RewriteMode,
): Promise<string> {
  const manifest = parse(await readFile(MANIFEST, 'utf8')) as JsonObject & {
    metadata: JsonObject;
    spec: JsonObject & { config: string };
  };
  const config = parse(manifest.spec.config) as JsonObject;
  const scrapeConfigs = scrapeConfigsOf(config);
  for (const job of scrapeConfigs) {
    job.scrape_interval = options.scrapeInterval;
    job.static_configs = [{ targets: [...options.targets] }];
  }
  delete config.extensions;
  delete config.processors;
  config.exporters = {
    prometheus_remote_write: {
      endpoint: options.writeUrl,
      external_labels: { ...options.externalLabels },
    },
  };
  config.service = {
    pipelines: { metrics: { receivers: ['prometheus'], exporters: ['prometheus_remote_write'] } },
    // Several collectors on one host: their own telemetry endpoint (:8888) would collide.
    telemetry: { metrics: { level: 'none' } },
  };
  manifest.spec.config = stringify(config);
  if (mode === 'target_allocator') {
    manifest.metadata.annotations = { 'otel-ta.dev/rewrite-mode': 'target_allocator' };
  }
  return stringify(manifest);
}

/**
 * Runs the real `otel-ta render` (the webhook's mutation and validation, as a user runs it) on the
 * manifest, then builds the allocator's config from the result with the controller's own code.
 */
export async function renderDocumentedCollector(
  manifestText: string,
  workDir: string,
): Promise<RenderedCollector> {
  const input = join(workDir, 'collector-manifest.yaml');
  await writeFile(input, manifestText);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', join(REPO_ROOT, 'src/cli.ts'), 'render', '-f', input],
    { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 },
  );
  const rendered = parse(stdout) as JsonObject & {
    metadata: JsonObject & { name: string; namespace: string; uid?: string };
    spec: JsonObject & { config: string };
  };
  rendered.metadata.uid = 'uid-of-the-documented-collector';
  const resource = toCollectorResource(rendered);
  if (resource === undefined) throw new Error(`otel-ta render printed no collector:\n${stdout}`);
  // The pods a StatefulSet of the upstream operator runs; otel-ta's controller selects them by these.
  const managedBy = UPSTREAM_MANAGED_BY;
  return {
    name: resource.name,
    namespace: resource.namespace,
    config: rendered.spec.config,
    allocator: renderAllocatorConfig(resource, { collectorManagedBy: managedBy }),
    podLabels: selectorLabels(Components.collector, resource.namespace, resource.name, managedBy),
  };
}

/** The collector config with the documentation's static targets, without any allocator: the control. */
export async function unallocatedConfig(options: DocumentedCollectorOptions): Promise<string> {
  const manifest = parse(await documentedManifest(options, 'http_sd')) as {
    spec: { config: string };
  };
  return manifest.spec.config;
}

/**
 * Points the rendered config at a local allocator: in a cluster the Service name resolves through
 * DNS, here the allocator listens on loopback.
 */
export function withLocalAllocator(rendered: RenderedCollector, allocatorUrl: string): string {
  const serviceUrl = `http://${rendered.name}-targetallocator.${rendered.namespace}.svc:80`;
  if (!rendered.config.includes(serviceUrl)) {
    throw new Error(`the rendered config does not name ${serviceUrl}:\n${rendered.config}`);
  }
  return rendered.config.split(serviceUrl).join(allocatorUrl);
}

function scrapeConfigsOf(config: JsonObject): JsonObject[] {
  const receivers = config.receivers;
  const prometheus = isRecord(receivers) ? receivers.prometheus : undefined;
  const inner = isRecord(prometheus) ? prometheus.config : undefined;
  const jobs = isRecord(inner) ? inner.scrape_configs : undefined;
  if (!Array.isArray(jobs) || !jobs.every(isRecord)) {
    throw new Error('the documentation manifest has no prometheus receiver scrape_configs');
  }
  return jobs;
}

/**
 * How often the rendered config makes each collector poll its targets, in ms: the http_sd
 * `refresh_interval` (Prometheus's default 60 s when absent) or, in target_allocator mode, its
 * `http_sd_config.refresh_interval` (the receiver's hard-coded 30 s when absent).
 */
export function collectorRefreshIntervalMs(config: string): number {
  const parsed = parse(config) as JsonObject;
  const receivers = parsed.receivers;
  const prometheus = isRecord(receivers) ? receivers.prometheus : undefined;
  if (!isRecord(prometheus)) throw new Error('the rendered config has no prometheus receiver');
  const ta = prometheus.target_allocator;
  if (isRecord(ta)) {
    const sd = ta.http_sd_config;
    return durationMs(isRecord(sd) ? sd.refresh_interval : undefined, 30_000);
  }
  const inner = isRecord(prometheus.config) ? prometheus.config : {};
  const jobs = Array.isArray(inner.scrape_configs) ? inner.scrape_configs : [];
  const intervals = jobs.flatMap((job) => {
    const sd = isRecord(job) && Array.isArray(job.http_sd_configs) ? job.http_sd_configs : [];
    return sd.map((c) => durationMs(isRecord(c) ? c.refresh_interval : undefined, 60_000));
  });
  if (intervals.length === 0) throw new Error('the rendered config has no http_sd_configs');
  return Math.max(...intervals);
}

function durationMs(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = typeof value === 'string' ? parseDuration(value) : undefined;
  if (ms === undefined)
    throw new Error(`not a duration in the rendered config: ${JSON.stringify(value)}`);
  return ms;
}
