/**
 * What the kubectl scenarios share: the documentation's manifests placed in a namespace of the test's
 * choosing, and reading collectors back in either served version.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { LocalCluster } from './cluster.js';
import type { KubectlResult } from './control-plane.js';

export type FixtureVersion = 'v1alpha1' | 'v1beta1';

/** test/fixtures/collectors/collector-with-ta.<version>.yaml, moved to `namespace`. */
export function documentedManifest(version: FixtureVersion, namespace: string): string {
  const path = fileURLToPath(
    new URL(`../../fixtures/collectors/collector-with-ta.${version}.yaml`, import.meta.url),
  );
  const text = readFileSync(path, 'utf8');
  if (!text.includes('namespace: observability')) {
    throw new Error(`${path} no longer sets namespace: observability`);
  }
  return text.replace('namespace: observability', `namespace: ${namespace}`);
}

export interface StoredCollector {
  apiVersion: string;
  metadata: {
    name: string;
    namespace: string;
    resourceVersion: string;
    generation: number;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
  spec: {
    mode?: string;
    replicas?: number;
    config?: unknown;
    env?: { name: string; valueFrom?: unknown }[];
    targetAllocator?: Record<string, unknown>;
  };
}

export async function kubectlOk(
  cluster: LocalCluster,
  args: string[],
  input?: string,
): Promise<KubectlResult> {
  const r = await cluster.kubectl(args, input === undefined ? {} : { input });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r;
}

/** `kubectl get opentelemetrycollectors.<version>.opentelemetry.io`, i.e. in that version. */
export async function getCollector(
  cluster: LocalCluster,
  version: FixtureVersion,
  namespace: string,
  name: string,
): Promise<StoredCollector> {
  const r = await kubectlOk(cluster, [
    'get',
    `opentelemetrycollectors.${version}.opentelemetry.io`,
    name,
    '-n',
    namespace,
    '-o',
    'json',
  ]);
  return JSON.parse(r.stdout) as StoredCollector;
}

export interface ScrapeConfig {
  job_name: string;
  static_configs?: unknown;
  http_sd_configs?: { url: string; refresh_interval?: string }[];
  metric_relabel_configs?: { replacement?: string }[];
  [key: string]: unknown;
}

/** The prometheus receiver's scrape configs, whether config is a YAML string or an object. */
export function scrapeConfigsOf(collector: StoredCollector): ScrapeConfig[] {
  const config: unknown =
    typeof collector.spec.config === 'string'
      ? parse(collector.spec.config)
      : collector.spec.config;
  const receivers = (config as { receivers?: Record<string, unknown> } | undefined)?.receivers;
  const prometheus = receivers?.['prometheus'] as
    { config?: { scrape_configs?: ScrapeConfig[] } } | undefined;
  return prometheus?.config?.scrape_configs ?? [];
}

export async function createNamespace(cluster: LocalCluster, name: string): Promise<void> {
  await kubectlOk(cluster, ['create', 'namespace', name]);
}
