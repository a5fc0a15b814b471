import { parsePrometheusCrConfig } from '../config/allocator/prometheus-cr.js';
import { UsageError } from '../errors.js';
import { convertCollector } from './convert.js';
import { getPath, isRecord, type JsonObject } from './json-value.js';
import { allocatorPrometheusCrBlock } from './prometheus-cr-block.js';
import { HTTP_SD_KEY, isDiscoveryKey } from './scrape-configs.js';
import { API_VERSIONS, readCollector, type CollectorView } from './model.js';
import { readStash } from './stash.js';
import { readYamlText } from './yaml-text.js';

export type ValidationOutcome =
  | { readonly allowed: true; readonly warnings: string[] }
  | { readonly allowed: false; readonly message: string };

const PROMETHEUS_INCORRECT = 'the OpenTelemetry Spec Prometheus configuration is incorrect, ';
const PER_NODE = 'per-node';

/**
 * The upstream operator's admission rules for a collector with the target allocator enabled, with
 * upstream's exact messages (users search for them), each followed by the fix (upstream's alone
 * do not say what to change). One difference: when the mutation moved the scrape configs to the
 * allocator (`target_allocator` rewrite mode), the stashed ones count.
 */
export function validateCollector(object: unknown): ValidationOutcome {
  const view = readCollector(object);
  if (view?.targetAllocator.enabled !== true) return { allowed: true, warnings: [] };
  const problem =
    modeProblem(view) ?? prometheusProblem(view, object) ?? prometheusCrProblem(view, object);
  if (problem !== undefined) return { allowed: false, message: problem };
  const config = collectorConfig(view);
  return {
    allowed: true,
    warnings: [...unshardedJobWarnings(config), ...unusedReceiverWarnings(config)],
  };
}

function modeProblem(view: CollectorView): string | undefined {
  const { mode } = view;
  const strategy = view.targetAllocator.allocationStrategy;
  if (mode !== 'statefulset' && mode !== 'daemonset') {
    return withFix(
      `the OpenTelemetry Collector mode is set to ${mode}, which does not support the target allocation deployment`,
      'set spec.mode: statefulset (or daemonset with spec.targetAllocator.allocationStrategy: per-node), or remove spec.targetAllocator.enabled',
    );
  }
  if (mode === 'daemonset' && strategy !== PER_NODE) {
    // Upstream's message ends with a space, which withFix drops.
    return withFix(
      `the OpenTelemetry Collector mode is set to ${mode}, which must be used with target allocation strategy ${PER_NODE} `,
      `set spec.targetAllocator.allocationStrategy: ${PER_NODE}`,
    );
  }
  if (strategy === PER_NODE && mode !== 'daemonset') {
    return withFix(
      `target allocation strategy ${PER_NODE} is only supported in OpenTelemetry Collector mode daemonset`,
      `set spec.mode: daemonset, or spec.targetAllocator.allocationStrategy: consistent-hashing`,
    );
  }
  return undefined;
}

function prometheusProblem(view: CollectorView, object: unknown): string | undefined {
  const config = collectorConfig(view);
  if (config === undefined) {
    return withFix(
      `${PROMETHEUS_INCORRECT}couldn't parse the opentelemetry-collector configuration`,
      'make spec.config a map of receivers, exporters and service',
    );
  }
  const receiver =
    lookup(config, 'receivers') ?? lookup(config.receivers as JsonObject, 'prometheus');
  if (receiver !== undefined) {
    return withFix(PROMETHEUS_INCORRECT + receiver, receiverFix(config.receivers));
  }
  if (view.targetAllocator.prometheusCREnabled) return undefined;
  const prometheus = (config.receivers as JsonObject).prometheus as JsonObject;
  const inner = scrapeConfigsProblem(prometheus, object);
  return inner === undefined
    ? undefined
    : withFix(
        PROMETHEUS_INCORRECT + inner,
        'list the scrape jobs under receivers.prometheus.config.scrape_configs (a list of maps with a job_name), or enable spec.targetAllocator.prometheusCR',
      );
}

/**
 * The `prometheusCR` block as the allocator will read it (rendered by the controller into
 * `prometheus_cr`): a block the allocator refuses would stop it from starting, so it is denied
 * here, with the allocator's own message. v1alpha1 objects are checked as converted to v1beta1
 * (their selectors are plain label maps), as they are stored.
 */
function prometheusCrProblem(view: CollectorView, object: unknown): string | undefined {
  if (!view.targetAllocator.prometheusCREnabled) return undefined;
  let stored: unknown = object;
  if (view.apiVersion === API_VERSIONS.v1alpha1) {
    try {
      stored = convertCollector(object, API_VERSIONS.v1beta1);
    } catch {
      return undefined; // the conversion webhook reports this object's problem
    }
  }
  const block = allocatorPrometheusCrBlock(
    getPath(stored, ['spec', 'targetAllocator', 'prometheusCR']),
  );
  try {
    parsePrometheusCrConfig(block, 'prometheus_cr');
    return undefined;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    return `spec.targetAllocator.prometheusCR would stop the allocator from starting: ${err.message}. Fix: correct that field in spec.targetAllocator.prometheusCR, where keys are camelCase (prometheus_cr.scrape_classes is scrapeClasses)`;
  }
}

/** Upstream's message, then what to change. */
function withFix(upstream: string, fix: string): string {
  return `${upstream.trimEnd()}. Fix: ${fix}`;
}

/** The target allocator serves the receiver named exactly `prometheus`; a named one is the usual slip. */
function receiverFix(receivers: unknown): string {
  const named = isRecord(receivers)
    ? Object.keys(receivers).find((key) => key.startsWith(NAMED_PROMETHEUS_PREFIX))
    : undefined;
  if (named !== undefined) {
    return `the target allocator serves only the receiver named "prometheus": rename receivers.${named} to prometheus (or move its scrape_configs there), or remove spec.targetAllocator.enabled`;
  }
  return 'add a map receivers.prometheus with config.scrape_configs to spec.config, or remove spec.targetAllocator.enabled';
}

/** The config as a map (an absent or empty one is `{}`); undefined when it cannot be read as one. */
function collectorConfig(view: CollectorView): JsonObject | undefined {
  const source = view.config;
  switch (source.kind) {
    case 'absent':
      return {};
    case 'invalid':
      return undefined;
    case 'object':
      return source.value;
    case 'string': {
      if (view.apiVersion !== API_VERSIONS.v1alpha1) return undefined;
      const read = readYamlText(source.text);
      if (!read.ok) return undefined;
      if (read.value === null) return {};
      return isRecord(read.value) ? read.value : undefined;
    }
  }
}

/** Upstream's check of one map component: present, and a map. */
function lookup(parent: JsonObject, key: string, name = key): string | undefined {
  if (!Object.hasOwn(parent, key)) return `no ${name} available as part of the configuration`;
  if (!isRecord(parent[key])) {
    return `${name} property in the configuration doesn't contain valid ${name}`;
  }
  return undefined;
}

function scrapeConfigsProblem(prometheus: JsonObject, object: unknown): string | undefined {
  const configProblem = lookup(prometheus, 'config', 'prometheusConfig');
  if (configProblem !== undefined) return configProblem;
  const promConfig = prometheus.config as JsonObject;
  let scrapeConfigs: unknown = promConfig.scrape_configs;
  if (!Object.hasOwn(promConfig, 'scrape_configs')) {
    const stash = isRecord(prometheus.target_allocator) ? readStash(object) : undefined;
    if (stash?.status !== 'valid')
      return 'no scrape_configs available as part of the configuration';
    scrapeConfigs = stash.scrapeConfigs;
  }
  if (!Array.isArray(scrapeConfigs)) return 'scrape_configs must be a list in the config';
  if (!scrapeConfigs.every(isRecord)) {
    return "scrape_config property in the configuration doesn't contain valid scrape_config";
  }
  if (scrapeConfigs.length === 0) {
    return 'either at least one scrape config needs to be defined or PrometheusCR needs to be enabled';
  }
  return undefined;
}

/**
 * Jobs that still discover targets themselves (the mutation did not run, or was bypassed) are
 * scraped by every replica of the pool: the duplicate and out-of-order samples the allocator exists
 * to prevent. Not a denial (upstream allows it), but worth saying. Named receivers
 * (`prometheus/<name>`) are never rewritten (upstream's allocator reads only `prometheus`), so
 * every job of theirs with any discovery, http_sd included, is scraped by every replica.
 */
function unshardedJobWarnings(config: JsonObject | undefined): string[] {
  const receivers = getPath(config, ['receivers']);
  if (!isRecord(receivers)) return [];
  const warnings: string[] = [];
  const own = discoveringJobs(receivers.prometheus, (key) => key !== HTTP_SD_KEY);
  if (own.length > 0) {
    warnings.push(
      `scrape jobs ${own.join(', ')} discover their own targets, so every collector replica scrapes all of them (duplicate, out-of-order samples); let the otel-ta webhook rewrite them to the target allocator`,
    );
  }
  for (const [name, receiver] of Object.entries(receivers)) {
    if (!name.startsWith(NAMED_PROMETHEUS_PREFIX)) continue;
    const jobs = discoveringJobs(receiver, () => true);
    if (jobs.length === 0) continue;
    warnings.push(
      `receivers.${name} is not sharded by the target allocator (otel-ta rewrites only the receiver named "prometheus"): its scrape jobs ${jobs.join(', ')} are scraped by every collector replica (duplicate, out-of-order samples); move them into receivers.prometheus.config.scrape_configs`,
    );
  }
  return warnings;
}

const NAMED_PROMETHEUS_PREFIX = 'prometheus/';

/** The quoted names of a receiver's jobs that have a discovery key `counts` accepts. */
function discoveringJobs(receiver: unknown, counts: (key: string) => boolean): string[] {
  const jobs = getPath(receiver, ['config', 'scrape_configs']);
  if (!Array.isArray(jobs)) return [];
  return jobs
    .filter(isRecord)
    .filter((job) => Object.keys(job).some((key) => isDiscoveryKey(key) && counts(key)))
    .map((job) => `"${String(job.job_name)}"`);
}

/**
 * A prometheus receiver that no pipeline lists is never started by the collector: the allocator
 * then assigns targets that nobody scrapes, silently. Judged only when pipelines are written.
 */
function unusedReceiverWarnings(config: JsonObject | undefined): string[] {
  const pipelines = getPath(config, ['service', 'pipelines']);
  if (!isRecord(pipelines)) return [];
  const used = Object.values(pipelines).some((pipeline) => {
    const receivers = isRecord(pipeline) ? pipeline.receivers : undefined;
    return Array.isArray(receivers) && receivers.includes('prometheus');
  });
  if (used) return [];
  return [
    'receivers.prometheus is not listed in any pipeline of service.pipelines, so the collectors never scrape the targets the allocator assigns them; add prometheus to the receivers of a metrics pipeline',
  ];
}
