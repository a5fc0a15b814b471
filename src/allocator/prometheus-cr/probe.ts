import type { ScrapeConfig } from '../../config/allocator/prometheus-config.js';
import type { KubeObject } from '../../k8s/object.js';
import type { TranslationContext } from './endpoint-settings.js';
import { authenticationFields } from './auth-fields.js';
import { proxyFields } from './http-client-settings.js';
import { MonitorError } from './monitor-error.js';
import {
  deepFreeze,
  limitFields,
  monitorIdentity,
  sdNamespaces,
  type MonitorTranslation,
} from './monitor-translation.js';
import { NamespaceReferences } from './references.js';
import { selectorRules, userRelabelings, type RelabelRule } from './relabel-rules.js';
import {
  metricRelabelFields,
  scrapeClassOf,
  tlsFields,
  type ScrapeClass,
} from './scrape-classes.js';
import { scrapeSettingsFields } from './scrape-settings.js';
import type { SpecReader } from './spec-reader.js';

/**
 * A Probe (monitoring.coreos.com/v1) as prometheus-operator turns it into one job,
 * `probe/<namespace>/<name>`: the targets are URLs (static, or from Ingresses through the ingress
 * role) and the scrape goes to the prober (e.g. a blackbox exporter), so the generated relabeling
 * moves each probed URL into `__param_target` (and `instance`) and puts the prober in `__address__`.
 */
export function translateProbe(obj: KubeObject, ctx: TranslationContext): MonitorTranslation {
  const { namespace, name, spec } = monitorIdentity(obj);
  const refs = new NamespaceReferences(namespace, ctx);
  const scrapeClass = scrapeClassOf(spec, ctx.scrapeClasses);
  const prober = spec.object('prober');
  const proberUrl = prober?.string('url') ?? '';
  if (prober === undefined || proberUrl === '') {
    throw new MonitorError(`${spec.child('prober.url')} is required: the prober's host:port`);
  }
  checkProberUrl(proberUrl, prober.child('url'));
  const config: Record<string, unknown> = {
    job_name: `probe/${namespace}/${name}`,
    honor_timestamps: true,
    metrics_path: prober.string('path') || '/probe',
    scrape_interval: spec.string('interval') || ctx.defaultScrapeInterval,
  };
  const timeout = spec.string('scrapeTimeout');
  if (timeout !== undefined && timeout !== '') config.scrape_timeout = timeout;
  const scheme = prober.string('scheme');
  if (scheme !== undefined && scheme !== '') config.scheme = scheme;
  const params = probeParams(spec);
  if (params !== undefined) config.params = params;
  Object.assign(
    config,
    limitFields(spec),
    scrapeSettingsFields(spec, scrapeClass, ctx.defaultScrapeProtocols),
    proxyFields(prober, refs),
  );

  const jobName = spec.string('jobName');
  const rules: RelabelRule[] = [
    { source_labels: ['job'], target_label: '__tmp_prometheus_job_name' },
    ...(jobName === undefined || jobName === ''
      ? []
      : [{ target_label: 'job', replacement: jobName }]),
  ];
  const probed = probedTargets(spec, namespace, proberUrl, scrapeClass);
  Object.assign(config, probed.discovery);
  rules.push(...probed.rules);
  config.relabel_configs = rules;
  Object.assign(
    config,
    authenticationFields(spec, refs, scrapeClass),
    tlsFields(spec, refs, scrapeClass),
    metricRelabelFields(spec, scrapeClass),
  );
  return { scrapeConfigs: [deepFreeze(config) as ScrapeConfig], warnings: [] };
}

/**
 * The targets to probe and the relabeling that sends them to the prober: `staticConfig` (which
 * wins when both are set, as the CRD documents) or `ingress`, through the ingress role.
 */
function probedTargets(
  spec: SpecReader,
  namespace: string,
  proberUrl: string,
  scrapeClass: ScrapeClass,
): { discovery: Record<string, unknown>; rules: RelabelRule[] } {
  const targets = spec.object('targets');
  const staticConfig = targets?.object('staticConfig');
  if (staticConfig !== undefined) {
    const group = {
      targets: staticConfig.stringList('static') ?? [],
      labels: { namespace, ...staticConfig.stringMap('labels') },
    };
    return {
      discovery: { static_configs: [group] },
      rules: [
        ...staticProberRules(proberUrl),
        ...scrapeClass.relabelings,
        ...userRelabelings(staticConfig, 'relabelingConfigs'),
      ],
    };
  }
  const ingress = targets?.object('ingress');
  if (ingress !== undefined) {
    const selector = ingress.object('selector');
    return {
      discovery: {
        kubernetes_sd_configs: [{ role: 'ingress', ...sdNamespaces(ingress, namespace) }],
      },
      rules: [
        ...(selector === undefined ? [] : selectorRules(selector, 'ingress')),
        ...ingressProberRules(proberUrl),
        ...scrapeClass.relabelings,
        ...userRelabelings(ingress, 'relabelingConfigs'),
      ],
    };
  }
  throw new MonitorError(
    `${spec.child('targets')}: set staticConfig (the URLs to probe) or ingress (Ingresses to probe)`,
  );
}

/** `host` or `host:port`, as prometheus-operator accepts a prober URL (no scheme, no path). */
function checkProberUrl(url: string, where: string): void {
  const [host = '', port, ...rest] = url.split(':');
  const hostOk = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(host);
  const portOk =
    port === undefined || (/^\d+$/.test(port) && Number(port) > 0 && Number(port) < 65536);
  if (!hostOk || !portOk || rest.length > 0) {
    throw new MonitorError(
      `${where} "${url}" must be hostname or hostname:port (the scheme goes in prober.scheme, the path in prober.path)`,
    );
  }
}

/** `module` first as `params.module`, then `params` (a `module` there yields to `spec.module`). */
function probeParams(spec: SpecReader): Record<string, string[]> | undefined {
  const params: Record<string, string[]> = {};
  const module = spec.string('module');
  if (module !== undefined && module !== '') params.module = [module];
  for (const param of spec.objectList('params')) {
    const paramName = param.string('name') ?? '';
    if (paramName === '') throw new MonitorError(`${param.child('name')} is required`);
    if (paramName === 'module' && params.module !== undefined) continue;
    params[paramName] = param.stringList('values') ?? [];
  }
  return Object.keys(params).length === 0 ? undefined : params;
}

/** Static targets: the target URL becomes `__param_target` and `instance`; the prober scrapes. */
function staticProberRules(proberUrl: string): RelabelRule[] {
  return [
    { source_labels: ['__address__'], target_label: '__param_target' },
    { source_labels: ['__param_target'], target_label: 'instance' },
    { target_label: '__address__', replacement: proberUrl },
  ];
}

/** Ingress targets: the URL is `<scheme>://<host><path>` from the ingress role's labels. */
function ingressProberRules(proberUrl: string): RelabelRule[] {
  return [
    {
      source_labels: [
        '__meta_kubernetes_ingress_scheme',
        '__address__',
        '__meta_kubernetes_ingress_path',
      ],
      separator: ';',
      regex: '(.+);(.+);(.+)',
      target_label: '__param_target',
      replacement: '${1}://${2}${3}',
      action: 'replace',
    },
    { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
    { source_labels: ['__meta_kubernetes_ingress_name'], target_label: 'ingress' },
    {
      source_labels: ['__address__'],
      separator: ';',
      regex: '(.*)',
      target_label: '__tmp_ingress_address',
      replacement: '$1',
      action: 'replace',
    },
    { source_labels: ['__param_target'], target_label: 'instance' },
    { target_label: '__address__', replacement: proberUrl },
  ];
}
