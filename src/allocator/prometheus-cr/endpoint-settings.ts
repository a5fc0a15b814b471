import { MonitorError } from './monitor-error.js';
import { userRelabelings } from './relabel-rules.js';
import type { SpecReader } from './spec-reader.js';

/** Reads one key of one Secret; undefined when the Secret or the key is unknown or not readable. */
export type SecretLookup = (namespace: string, name: string, key: string) => string | undefined;

export interface TranslationContext {
  /** `prometheus_cr.scrape_interval`, formatted (e.g. `30s`): the interval of endpoints without one. */
  readonly defaultScrapeInterval: string;
  /** `prometheus_cr.deny_fs_access_through_sms`. */
  readonly denyFsAccess: boolean;
  readonly secrets: SecretLookup;
  /** Where Secrets are read from, for the message when one cannot be found. */
  readonly secretNamespaces: readonly string[];
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
): EndpointResult {
  const files = referencedFiles(ep);
  if (files.length > 0 && ctx.denyFsAccess) return { kind: 'fs-access-denied', files };
  const out: EndpointFields = {};
  out.honor_labels = ep.boolean('honorLabels') ?? false;
  const honorTimestamps = ep.boolean('honorTimestamps');
  if (honorTimestamps !== undefined) out.honor_timestamps = honorTimestamps;
  out.scrape_interval = ep.string('interval') ?? ctx.defaultScrapeInterval;
  copyString(ep, 'scrapeTimeout', out, 'scrape_timeout');
  copyString(ep, 'path', out, 'metrics_path');
  const scheme = ep.string('scheme');
  if (scheme !== undefined) out.scheme = scheme.toLowerCase();
  const params = paramsOf(ep);
  if (params !== undefined) out.params = params;
  copyString(ep, 'proxyUrl', out, 'proxy_url');
  const followRedirects = ep.boolean('followRedirects');
  if (followRedirects !== undefined) out.follow_redirects = followRedirects;
  const http2 = ep.boolean('enableHttp2');
  if (http2 !== undefined) out.enable_http2 = http2;
  Object.assign(out, authFields(ep, namespace, ctx));
  const tls = tlsConfig(ep, namespace, ctx);
  if (tls !== undefined) out.tls_config = tls;
  const metricRelabelings = userRelabelings(ep, 'metricRelabelings');
  if (metricRelabelings.length > 0) out.metric_relabel_configs = metricRelabelings;
  return { kind: 'ok', fields: out };
}

function copyString(ep: SpecReader, from: string, out: EndpointFields, to: string): void {
  const value = ep.string(from);
  if (value !== undefined && value !== '') out[to] = value;
}

function paramsOf(ep: SpecReader): Record<string, string[]> | undefined {
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

interface SecretRef {
  readonly name: string;
  readonly key: string;
}

/** A SecretKeySelector; undefined when absent or left empty (`{name: "", key: ""}` means unset). */
function secretRef(parent: SpecReader | undefined, field: string): SecretRef | undefined {
  const ref = parent?.object(field);
  if (ref === undefined) return undefined;
  const name = ref.string('name') ?? '';
  const key = ref.string('key') ?? '';
  if (name === '' && key === '') return undefined;
  if (name === '' || key === '') {
    throw new MonitorError(`${ref.path} needs both name and key of a Secret`);
  }
  return { name, key };
}

function readSecret(
  ref: SecretRef,
  where: string,
  namespace: string,
  ctx: TranslationContext,
): string {
  const value = ctx.secrets(namespace, ref.name, ref.key);
  if (value !== undefined) return value;
  const readable = ctx.secretNamespaces.includes(namespace)
    ? 'create it or fix the reference'
    : `add "${namespace}" to prometheus_cr.secret_namespaces (Secrets are read in: ${ctx.secretNamespaces.join(', ') || 'none'})`;
  throw new MonitorError(
    `${where}: key "${ref.key}" of Secret ${namespace}/${ref.name} is not available; ${readable}`,
  );
}

function authFields(ep: SpecReader, namespace: string, ctx: TranslationContext): EndpointFields {
  const out: EndpointFields = {};
  const tokenFile = ep.string('bearerTokenFile');
  if (tokenFile !== undefined && tokenFile !== '') out.bearer_token_file = tokenFile;
  const bearer = secretRef(ep, 'bearerTokenSecret');
  if (bearer !== undefined) {
    out.authorization = {
      type: 'Bearer',
      credentials: readSecret(bearer, ep.child('bearerTokenSecret'), namespace, ctx),
    };
  }
  const authorization = ep.object('authorization');
  if (authorization !== undefined) {
    const credentials = secretRef(authorization, 'credentials');
    out.authorization = {
      type: authorization.string('type') ?? 'Bearer',
      ...(credentials === undefined
        ? {}
        : {
            credentials: readSecret(
              credentials,
              authorization.child('credentials'),
              namespace,
              ctx,
            ),
          }),
    };
  }
  const basic = ep.object('basicAuth');
  if (basic !== undefined) {
    const username = secretRef(basic, 'username');
    const password = secretRef(basic, 'password');
    out.basic_auth = {
      ...(username === undefined
        ? {}
        : { username: readSecret(username, basic.child('username'), namespace, ctx) }),
      ...(password === undefined
        ? {}
        : { password: readSecret(password, basic.child('password'), namespace, ctx) }),
    };
  }
  if (ep.has('oauth2')) {
    throw new MonitorError(
      `${ep.child('oauth2')} is not supported by otel-ta yet; use bearerTokenSecret, authorization or basicAuth`,
    );
  }
  return out;
}

/** `ca` / `cert`: a SecretOrConfigMap; only Secrets are read (the allocator watches no ConfigMaps). */
function secretOrConfigMap(
  tls: SpecReader,
  field: string,
  namespace: string,
  ctx: TranslationContext,
): string | undefined {
  const source = tls.object(field);
  if (source === undefined) return undefined;
  if (source.has('configMap')) {
    throw new MonitorError(
      `${source.child('configMap')}: ConfigMap references are not supported by otel-ta; put the data in a Secret and use ${field}.secret`,
    );
  }
  const ref = secretRef(source, 'secret');
  return ref === undefined ? undefined : readSecret(ref, source.child('secret'), namespace, ctx);
}

function tlsConfig(
  ep: SpecReader,
  namespace: string,
  ctx: TranslationContext,
): EndpointFields | undefined {
  const tls = ep.object('tlsConfig');
  if (tls === undefined) return undefined;
  const out: EndpointFields = {};
  const ca = secretOrConfigMap(tls, 'ca', namespace, ctx);
  if (ca !== undefined) out.ca = ca;
  const cert = secretOrConfigMap(tls, 'cert', namespace, ctx);
  if (cert !== undefined) out.cert = cert;
  const keyRef = secretRef(tls, 'keySecret');
  if (keyRef !== undefined) out.key = readSecret(keyRef, tls.child('keySecret'), namespace, ctx);
  copyString(tls, 'caFile', out, 'ca_file');
  copyString(tls, 'certFile', out, 'cert_file');
  copyString(tls, 'keyFile', out, 'key_file');
  copyString(tls, 'serverName', out, 'server_name');
  const insecure = tls.boolean('insecureSkipVerify');
  if (insecure !== undefined) out.insecure_skip_verify = insecure;
  return out;
}
