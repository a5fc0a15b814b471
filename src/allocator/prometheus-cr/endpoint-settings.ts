import { authenticationFields } from './auth-fields.js';
import { copyBoolean, copyString } from './http-client-settings.js';
import { NamespaceReferences, type ReferenceSources } from './references.js';
import { metricRelabelFields, tlsFields, type ScrapeClass } from './scrape-classes.js';
import type { Spec, SpecReader } from './spec-reader.js';

export interface TranslationContext extends ReferenceSources {
  /** `prometheus_cr.scrape_interval`, formatted (e.g. `30s`): the interval of endpoints without one. */
  readonly defaultScrapeInterval: string;
  /** `prometheus_cr.deny_fs_access_through_sms`. */
  readonly denyFsAccess: boolean;
  /** `prometheus_cr.scrape_protocols`: the protocols of jobs whose resource names none. */
  readonly defaultScrapeProtocols?: readonly string[] | undefined;
  /** `prometheus_cr.scrape_classes`, as configured (prometheus-operator's camelCase ScrapeClass). */
  readonly scrapeClasses: readonly Spec[];
}

/** The scrape-config fields one endpoint sets beyond discovery and relabeling. */
export type EndpointFields = Record<string, unknown>;

export type EndpointResult =
  | { readonly kind: 'ok'; readonly fields: EndpointFields }
  | { readonly kind: 'fs-access-denied'; readonly files: readonly string[] };

/**
 * Everything of a ServiceMonitor endpoint or PodMonitor podMetricsEndpoint that is the same for
 * both: the scrape's path, scheme, timing, params, honor flags, HTTP client and auth settings,
 * and metric relabeling. Secrets are resolved in the monitor's own namespace (a monitor can only
 * reference Secrets there) and inlined, as Prometheus's config has no Secret references.
 */
export function endpointFields(
  ep: SpecReader,
  namespace: string,
  ctx: TranslationContext,
  scrapeClass: ScrapeClass,
): EndpointResult {
  const files = referencedFiles(ep);
  if (files.length > 0 && ctx.denyFsAccess) return { kind: 'fs-access-denied', files };
  const out: EndpointFields = {};
  out.honor_labels = ep.boolean('honorLabels') ?? false;
  copyBoolean(ep, 'honorTimestamps', out, 'honor_timestamps');
  out.scrape_interval = ep.string('interval') ?? ctx.defaultScrapeInterval;
  copyString(ep, 'scrapeTimeout', out, 'scrape_timeout');
  copyString(ep, 'path', out, 'metrics_path');
  const scheme = ep.string('scheme');
  if (scheme !== undefined) out.scheme = scheme.toLowerCase();
  const params = paramsOf(ep);
  if (params !== undefined) out.params = params;
  copyString(ep, 'proxyUrl', out, 'proxy_url');
  copyBoolean(ep, 'followRedirects', out, 'follow_redirects');
  copyBoolean(ep, 'enableHttp2', out, 'enable_http2');
  const refs = new NamespaceReferences(namespace, ctx);
  Object.assign(
    out,
    authenticationFields(ep, refs, scrapeClass),
    tlsFields(ep, refs, scrapeClass),
    metricRelabelFields(ep, scrapeClass),
  );
  return { kind: 'ok', fields: out };
}

/** `params`: a map of lists of strings, in key order. */
export function paramsOf(ep: SpecReader): Record<string, string[]> | undefined {
  const raw = ep.object('params');
  if (raw === undefined) return undefined;
  const params: Record<string, string[]> = {};
  for (const name of Object.keys(raw.value).sort()) {
    params[name] = raw.stringList(name) ?? [];
  }
  return params;
}

/** The local files an endpoint asks the scraper to read (only ServiceMonitors can). */
function referencedFiles(ep: SpecReader): string[] {
  const files: string[] = [];
  const token = ep.string('bearerTokenFile');
  if (token !== undefined && token !== '') files.push(token);
  const tls = ep.object('tlsConfig');
  for (const key of ['caFile', 'certFile', 'keyFile']) {
    const file = tls?.string(key);
    if (file !== undefined && file !== '') files.push(file);
  }
  return files;
}
