import type { ScrapeConfig } from '../../config/allocator/prometheus-config.js';
import type { KubeObject } from '../../k8s/object.js';
import { endpointFields, type TranslationContext } from './endpoint-settings.js';
import { MonitorError } from './monitor-error.js';
import type { RelabelRule } from './relabel-rules.js';
import { sanitizeLabelName, userRelabelings } from './relabel-rules.js';
import { scrapeClassOf } from './scrape-classes.js';
import { scrapeSettingsFields } from './scrape-settings.js';
import { SpecReader } from './spec-reader.js';

export type { TranslationContext } from './endpoint-settings.js';

/** What one monitor turns into: a scrape config per usable endpoint, and why others were left out. */
export interface MonitorTranslation {
  readonly scrapeConfigs: readonly ScrapeConfig[];
  readonly warnings: readonly string[];
}

export interface MonitorIdentity {
  readonly namespace: string;
  readonly name: string;
  readonly spec: SpecReader;
}

export function monitorIdentity(obj: KubeObject): MonitorIdentity {
  const namespace = obj.metadata?.namespace ?? '';
  const name = obj.metadata?.name ?? '';
  if (namespace === '' || name === '') {
    throw new MonitorError('metadata.namespace and metadata.name are required');
  }
  return { namespace, name, spec: SpecReader.of(obj.spec, 'spec') };
}

/** `namespaceSelector`: `any` = every namespace, `matchNames`, else the monitor's own namespace. */
export function sdNamespaces(spec: SpecReader, ownNamespace: string): Record<string, unknown> {
  const selector = spec.object('namespaceSelector');
  if (selector?.boolean('any') === true) return {};
  const names = selector?.stringList('matchNames') ?? [];
  return { namespaces: { names: names.length > 0 ? names : [ownNamespace] } };
}

/** One job per endpoint, in endpoint order; `buildRules` gives the endpoint's generated rules. */
export function translateEndpoints(
  monitor: MonitorIdentity,
  options: {
    readonly jobPrefix: string;
    readonly endpointsKey: string;
    readonly role: 'endpointslice' | 'pod';
    readonly buildRules: (ep: SpecReader) => RelabelRule[];
    readonly extraFields: Readonly<Record<string, unknown>>;
  },
  ctx: TranslationContext,
): MonitorTranslation {
  const scrapeConfigs: ScrapeConfig[] = [];
  const warnings: string[] = [];
  const namespaces = sdNamespaces(monitor.spec, monitor.namespace);
  const scrapeClass = scrapeClassOf(monitor.spec, ctx.scrapeClasses);
  // `attachMetadata.node` puts the node's labels on every target, as prometheus-operator generates
  // it; a monitor without its own setting takes its scrape class's.
  const attachNode =
    monitor.spec.object('attachMetadata')?.boolean('node') ?? scrapeClass.attachNode;
  const attach = attachNode === true ? { attach_metadata: { node: true } } : {};
  const settings = scrapeSettingsFields(monitor.spec, scrapeClass, ctx.defaultScrapeProtocols);
  monitor.spec.objectList(options.endpointsKey).forEach((ep, index) => {
    const jobName = `${options.jobPrefix}/${monitor.namespace}/${monitor.name}/${index}`;
    const result = endpointFields(ep, monitor.namespace, ctx, scrapeClass);
    if (result.kind === 'fs-access-denied') {
      warnings.push(
        `${ep.path} reads files (${result.files.join(', ')}) and prometheus_cr.deny_fs_access_through_sms is set: endpoint left out`,
      );
      return;
    }
    const { metric_relabel_configs: metricRelabelConfigs, ...fields } = result.fields;
    const relabelConfigs = [
      { source_labels: ['job'], target_label: '__tmp_prometheus_job_name' },
      ...options.buildRules(ep),
      ...scrapeClass.relabelings,
      ...userRelabelings(ep, 'relabelings'),
    ];
    const config: Record<string, unknown> = {
      job_name: jobName,
      ...fields,
      ...options.extraFields,
      ...settings,
      kubernetes_sd_configs: [{ role: options.role, ...namespaces, ...attach }],
      relabel_configs: relabelConfigs,
    };
    if (metricRelabelConfigs !== undefined) config.metric_relabel_configs = metricRelabelConfigs;
    scrapeConfigs.push(deepFreeze(config) as ScrapeConfig);
  });
  return { scrapeConfigs, warnings };
}

/** Spec-level limits, the same for every kind. */
export function limitFields(spec: SpecReader): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [from, to] of [
    ['sampleLimit', 'sample_limit'],
    ['targetLimit', 'target_limit'],
    ['labelLimit', 'label_limit'],
    ['labelNameLengthLimit', 'label_name_length_limit'],
    ['labelValueLengthLimit', 'label_value_length_limit'],
    ['keepDroppedTargets', 'keep_dropped_targets'],
  ] as const) {
    const value = spec.integer(from);
    if (value !== undefined) out[to] = value;
  }
  return out;
}

/** `targetLabels` / `podTargetLabels`: copy a label of the service or pod onto the target. */
export function copyLabelRules(
  spec: SpecReader,
  key: string,
  kind: 'service' | 'pod',
): RelabelRule[] {
  return (spec.stringList(key) ?? []).map((label) => ({
    source_labels: [`__meta_kubernetes_${kind}_label_${sanitizeLabelName(label)}`],
    target_label: sanitizeLabelName(label),
    regex: '(.+)',
    replacement: '${1}',
  }));
}

/** Drops pods that finished, unless the endpoint sets `filterRunning: false`. */
export function runningRule(ep: SpecReader): RelabelRule[] {
  if (ep.boolean('filterRunning') === false) return [];
  return [
    { action: 'drop', source_labels: ['__meta_kubernetes_pod_phase'], regex: '(Failed|Succeeded)' },
  ];
}

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
