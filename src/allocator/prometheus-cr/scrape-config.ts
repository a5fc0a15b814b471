import type { ScrapeConfig } from '../../config/allocator/prometheus-config.js';
import type { KubeObject } from '../../k8s/object.js';
import { authenticationFields } from './auth-fields.js';
import { paramsOf, type TranslationContext } from './endpoint-settings.js';
import {
  authorizationFields,
  basicAuthFields,
  oauth2Fields,
  proxyFields,
  tlsConfigFields,
  copyBoolean,
  copyInteger,
  copyString,
  type ConfigFields,
} from './http-client-settings.js';
import { MonitorError } from './monitor-error.js';
import {
  deepFreeze,
  limitFields,
  monitorIdentity,
  type MonitorTranslation,
} from './monitor-translation.js';
import { NamespaceReferences } from './references.js';
import { userRelabelings } from './relabel-rules.js';
import { metricRelabelFields, scrapeClassOf, tlsFields } from './scrape-classes.js';
import { scrapeSettingsFields } from './scrape-settings.js';
import type { SpecReader } from './spec-reader.js';

/** The SD kinds the allocator runs, as `<spec key>` -> translation into Prometheus's config. */
const SD_TRANSLATIONS: Readonly<
  Record<string, readonly [string, (sd: SpecReader, refs: NamespaceReferences) => ConfigFields]>
> = {
  fileSDConfigs: ['file_sd_configs', fileSd],
  httpSDConfigs: ['http_sd_configs', httpSd],
  kubernetesSDConfigs: ['kubernetes_sd_configs', kubernetesSd],
  dnsSDConfigs: ['dns_sd_configs', dnsSd],
};

/**
 * A ScrapeConfig (monitoring.coreos.com/v1alpha1) as prometheus-operator turns it into one job,
 * `scrapeConfig/<namespace>/<name>`: the scrape settings, auth from Secrets and ConfigMaps, and its
 * static, file, HTTP, Kubernetes and DNS discovery. Any other SD kind (EC2, Consul, ...) makes the
 * whole ScrapeConfig invalid: serving it without that discovery would silently scrape less.
 */
export function translateScrapeConfig(
  obj: KubeObject,
  ctx: TranslationContext,
): MonitorTranslation {
  const { namespace, name, spec } = monitorIdentity(obj);
  refuseUnsupportedSd(spec);
  const refs = new NamespaceReferences(namespace, ctx);
  const scrapeClass = scrapeClassOf(spec, ctx.scrapeClasses);
  const config: Record<string, unknown> = { job_name: `scrapeConfig/${namespace}/${name}` };
  copyBoolean(spec, 'honorTimestamps', config, 'honor_timestamps');
  copyBoolean(spec, 'trackTimestampsStaleness', config, 'track_timestamps_staleness');
  copyBoolean(spec, 'honorLabels', config, 'honor_labels');
  copyString(spec, 'metricsPath', config, 'metrics_path');
  const params = paramsOf(spec);
  if (params !== undefined && Object.keys(params).length > 0) config.params = params;
  copyBoolean(spec, 'enableCompression', config, 'enable_compression');
  copyBoolean(spec, 'enableHTTP2', config, 'enable_http2');
  // prometheus-operator leaves the interval to Prometheus's global one; for the allocator's
  // collectors that global is prometheus_cr.scrape_interval, as for every CR-generated job.
  config.scrape_interval = spec.string('scrapeInterval') ?? ctx.defaultScrapeInterval;
  copyString(spec, 'scrapeTimeout', config, 'scrape_timeout');
  const scheme = spec.string('scheme');
  if (scheme !== undefined) config.scheme = scheme.toLowerCase();
  Object.assign(
    config,
    proxyFields(spec, refs),
    authenticationFields(spec, refs, scrapeClass),
    tlsFields(spec, refs, scrapeClass),
  );
  Object.assign(
    config,
    limitFields(spec),
    scrapeSettingsFields(spec, scrapeClass, ctx.defaultScrapeProtocols),
  );
  const statics = spec.objectList('staticConfigs').map(staticConfig);
  if (statics.length > 0) config.static_configs = statics;
  if (ctx.denyFsAccess && spec.objectList('fileSDConfigs').length > 0) {
    throw new MonitorError(
      `${spec.child('fileSDConfigs')} reads files and prometheus_cr.deny_fs_access_through_sms is set; use staticConfigs or httpSDConfigs, or allow file access`,
    );
  }
  for (const [key, [target, translate]] of Object.entries(SD_TRANSLATIONS)) {
    const entries = spec.objectList(key).map((sd) => translate(sd, refs));
    if (entries.length > 0) config[target] = entries;
  }
  const jobName = spec.string('jobName');
  config.relabel_configs = [
    { source_labels: ['job'], target_label: '__tmp_prometheus_job_name' },
    ...scrapeClass.relabelings,
    ...(jobName === undefined
      ? []
      : [{ target_label: 'job', action: 'replace', replacement: jobName }]),
    ...userRelabelings(spec, 'relabelings'),
  ];
  Object.assign(config, metricRelabelFields(spec, scrapeClass));
  return { scrapeConfigs: [deepFreeze(config) as ScrapeConfig], warnings: [] };
}

/** The SD kinds of prometheus-operator's CRD that the allocator has no discovery for. */
function refuseUnsupportedSd(spec: SpecReader): void {
  for (const key of Object.keys(spec.value).sort()) {
    if (!key.endsWith('SDConfigs') || key in SD_TRANSLATIONS) continue;
    if (spec.objectList(key).length === 0) continue;
    const kind = key.replace(/SDConfigs$/, '');
    throw new MonitorError(
      `${spec.child(key)}: ${kind} service discovery is not implemented by otel-ta, so this ScrapeConfig is left out; discover these targets with staticConfigs, fileSDConfigs, httpSDConfigs, kubernetesSDConfigs or dnsSDConfigs`,
    );
  }
}

function staticConfig(group: SpecReader): ConfigFields {
  const out: ConfigFields = { targets: group.stringList('targets') ?? [] };
  const labels = group.stringMap('labels');
  if (labels !== undefined) {
    for (const label of Object.keys(labels)) {
      if (label === '') throw new MonitorError(`${group.child('labels')}: a label name is empty`);
    }
    out.labels = labels;
  }
  return out;
}

function fileSd(sd: SpecReader): ConfigFields {
  const out: ConfigFields = { files: sd.stringList('files') ?? [] };
  copyString(sd, 'refreshInterval', out, 'refresh_interval');
  return out;
}

/** The client settings every HTTP-based SD config shares. */
function sdClientFields(sd: SpecReader, refs: NamespaceReferences): ConfigFields {
  const out: ConfigFields = {
    ...basicAuthFields(sd, refs),
    ...authorizationFields(sd.object('authorization'), refs),
    ...oauth2Fields(sd, refs),
    ...proxyFields(sd, refs),
  };
  copyBoolean(sd, 'followRedirects', out, 'follow_redirects');
  copyBoolean(sd, 'enableHTTP2', out, 'enable_http2');
  const tls = tlsConfigFields(sd.object('tlsConfig'), refs);
  if (tls !== undefined) out.tls_config = tls;
  return out;
}

function httpSd(sd: SpecReader, refs: NamespaceReferences): ConfigFields {
  const url = sd.string('url');
  if (url === undefined || url === '') throw new MonitorError(`${sd.child('url')} is required`);
  const out: ConfigFields = { url, ...sdClientFields(sd, refs) };
  copyString(sd, 'refreshInterval', out, 'refresh_interval');
  return out;
}

function kubernetesSd(sd: SpecReader, refs: NamespaceReferences): ConfigFields {
  const role = sd.string('role');
  if (role === undefined || role === '') throw new MonitorError(`${sd.child('role')} is required`);
  const out: ConfigFields = { role: role.toLowerCase() };
  copyString(sd, 'apiServer', out, 'api_server');
  Object.assign(out, sdClientFields(sd, refs));
  const namespaces = sd.object('namespaces');
  if (namespaces !== undefined) {
    const own = namespaces.boolean('ownNamespace');
    if (own === true && out.api_server !== undefined) {
      throw new MonitorError(
        `${namespaces.child('ownNamespace')} cannot be used with apiServer (another cluster has no own namespace); name the namespaces`,
      );
    }
    out.namespaces = {
      names: namespaces.stringList('names') ?? [],
      ...(own === undefined ? {} : { own_namespace: own }),
    };
  }
  const selectors = sd.objectList('selectors').map((s) => {
    const selector: ConfigFields = { role: (s.string('role') ?? '').toLowerCase() };
    copyString(s, 'label', selector, 'label');
    copyString(s, 'field', selector, 'field');
    return selector;
  });
  if (selectors.length > 0) out.selectors = selectors;
  const node = sd.object('attachMetadata')?.boolean('node');
  if (node !== undefined) out.attach_metadata = { node };
  return out;
}

function dnsSd(sd: SpecReader): ConfigFields {
  const out: ConfigFields = { names: sd.stringList('names') ?? [] };
  copyString(sd, 'refreshInterval', out, 'refresh_interval');
  const type = sd.string('type');
  if (type !== undefined) {
    if (type !== 'SRV' && sd.integer('port') === undefined) {
      throw new MonitorError(`${sd.child('port')} is required for record type ${type}`);
    }
    out.type = type;
  }
  copyInteger(sd, 'port', out, 'port');
  return out;
}
