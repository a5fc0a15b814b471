import { parsePrometheusDuration } from './duration.js';
import { parseLabelSelector, type LabelSelector } from './label-selector.js';
import { ObjectReader, configError } from './object-reader.js';

/**
 * The `prometheus_cr` block. Parsed and validated in full so an upstream config loads unchanged;
 * the watcher of ServiceMonitors and friends is a separate component.
 */
export interface PrometheusCrConfig {
  readonly enabled: boolean;
  readonly allowNamespaces: readonly string[];
  readonly denyNamespaces: readonly string[];
  readonly secretNamespaces: readonly string[];
  /** `null` selects nothing, `{}` selects everything (prometheus-operator's convention). */
  readonly serviceMonitorSelector: LabelSelector | null;
  readonly podMonitorSelector: LabelSelector | null;
  readonly scrapeConfigSelector: LabelSelector | null;
  readonly probeSelector: LabelSelector | null;
  readonly serviceMonitorNamespaceSelector: LabelSelector;
  readonly podMonitorNamespaceSelector: LabelSelector;
  readonly scrapeConfigNamespaceSelector: LabelSelector;
  readonly probeNamespaceSelector: LabelSelector;
  readonly scrapeIntervalMs: number;
  readonly evaluationIntervalMs: number | undefined;
  readonly scrapeProtocols: readonly string[];
  readonly scrapeClasses: readonly Readonly<Record<string, unknown>>[];
  readonly denyFsAccessThroughSms: boolean;
}

const SCRAPE_PROTOCOLS = [
  'PrometheusProto',
  'OpenMetricsText0.0.1',
  'OpenMetricsText1.0.0',
  'PrometheusText0.0.4',
  'PrometheusText1.0.0',
];

const EMPTY_SELECTOR: LabelSelector = Object.freeze({
  matchLabels: Object.freeze({}),
  matchExpressions: Object.freeze([]),
});

export function parsePrometheusCrConfig(value: unknown, path: string): PrometheusCrConfig {
  const r = new ObjectReader(value, path);
  const selector = (key: string): LabelSelector | null => {
    const raw = r.raw(key);
    return raw === undefined || raw === null ? null : parseLabelSelector(raw, r.child(key));
  };
  const namespaceSelector = (key: string): LabelSelector => selector(key) ?? EMPTY_SELECTOR;
  const duration = (key: string): number | undefined => {
    const text = r.string(key);
    if (text === undefined) return undefined;
    const ms = parsePrometheusDuration(text);
    if (ms === undefined) {
      throw configError(r.child(key), `invalid duration "${text}" (examples: 30s, 1m, 1h30m)`);
    }
    return ms;
  };

  const config: PrometheusCrConfig = {
    enabled: r.boolean('enabled') ?? false,
    allowNamespaces: Object.freeze(r.stringList('allow_namespaces') ?? []),
    denyNamespaces: Object.freeze(r.stringList('deny_namespaces') ?? []),
    secretNamespaces: Object.freeze(r.stringList('secret_namespaces') ?? []),
    serviceMonitorSelector: selector('service_monitor_selector'),
    podMonitorSelector: selector('pod_monitor_selector'),
    scrapeConfigSelector: selector('scrape_config_selector'),
    probeSelector: selector('probe_selector'),
    serviceMonitorNamespaceSelector: namespaceSelector('service_monitor_namespace_selector'),
    podMonitorNamespaceSelector: namespaceSelector('pod_monitor_namespace_selector'),
    scrapeConfigNamespaceSelector: namespaceSelector('scrape_config_namespace_selector'),
    probeNamespaceSelector: namespaceSelector('probe_namespace_selector'),
    scrapeIntervalMs: duration('scrape_interval') ?? 30_000,
    evaluationIntervalMs: duration('evaluation_interval'),
    scrapeProtocols: Object.freeze(parseScrapeProtocols(r)),
    scrapeClasses: Object.freeze(parseScrapeClasses(r)),
    denyFsAccessThroughSms: r.boolean('deny_fs_access_through_sms') ?? false,
  };
  r.done();
  if (config.allowNamespaces.length > 0 && config.denyNamespaces.length > 0) {
    throw configError(
      '',
      'only one of prometheus_cr.allow_namespaces or prometheus_cr.deny_namespaces can be set',
    );
  }
  if (config.scrapeIntervalMs <= 0) {
    throw configError(r.child('scrape_interval'), 'must be greater than 0');
  }
  return Object.freeze(config);
}

function parseScrapeProtocols(r: ObjectReader): string[] {
  const protocols = r.stringList('scrape_protocols') ?? [];
  for (const p of protocols) {
    if (!SCRAPE_PROTOCOLS.includes(p)) {
      throw configError(
        r.child('scrape_protocols'),
        `unknown protocol "${p}" (valid: ${SCRAPE_PROTOCOLS.join(', ')})`,
      );
    }
  }
  return protocols;
}

function parseScrapeClasses(r: ObjectReader): Readonly<Record<string, unknown>>[] {
  const raw = r.raw('scrape_classes');
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw configError(r.child('scrape_classes'), 'must be a list');
  let defaults = 0;
  const names = new Set<string>();
  return raw.map((item: unknown, i) => {
    const path = `${r.child('scrape_classes')}[${i}]`;
    const cls = new ObjectReader(item, path);
    const name = cls.string('name');
    if (name === undefined || name === '') throw configError(path, 'name is required');
    if (names.has(name)) throw configError(path, `duplicate scrape class "${name}"`);
    names.add(name);
    if (cls.object.default === true) defaults += 1;
    if (defaults > 1) throw configError(path, 'only one scrape class may be the default');
    return Object.freeze({ ...cls.object });
  });
}
