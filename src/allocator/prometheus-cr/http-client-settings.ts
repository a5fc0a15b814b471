import { MonitorError } from './monitor-error.js';
import type { NamespaceReferences } from './references.js';
import type { SpecReader } from './spec-reader.js';

/**
 * prometheus-operator's HTTP client types (basicAuth, authorization, oauth2, tlsConfig and the
 * proxy fields), shared by monitors, Probes, ScrapeConfigs and their SD configs, as Prometheus's
 * snake_case HTTP client config. References are read through `refs` and inlined; an absent
 * object gives nothing, so each caller only adds what the resource set.
 */
export type ConfigFields = Record<string, unknown>;

/**
 * Copies one field under its Prometheus name when set, checking its type: the collector refuses
 * every job at once over one wrongly typed field, and an older or newer CRD may not check it.
 */
export function copyString(from: SpecReader, key: string, out: ConfigFields, to: string): void {
  const value = from.string(key);
  if (value !== undefined && value !== '') out[to] = value;
}

export function copyBoolean(from: SpecReader, key: string, out: ConfigFields, to: string): void {
  const value = from.boolean(key);
  if (value !== undefined) out[to] = value;
}

export function copyInteger(from: SpecReader, key: string, out: ConfigFields, to: string): void {
  const value = from.integer(key);
  if (value !== undefined) out[to] = value;
}

/** `basicAuth` -> `basic_auth` (username and password from Secrets). */
export function basicAuthFields(spec: SpecReader, refs: NamespaceReferences): ConfigFields {
  const basic = spec.object('basicAuth');
  if (basic === undefined) return {};
  const out: ConfigFields = {};
  const username = refs.secret(basic, 'username');
  if (username !== undefined) out.username = username;
  const password = refs.secret(basic, 'password');
  if (password !== undefined) out.password = password;
  return { basic_auth: out };
}

/**
 * `authorization` -> `authorization` (type defaults to Bearer, as prometheus-operator writes it;
 * `credentialsFile` only where the type allows it: scrape classes and ServiceMonitors).
 */
export function authorizationFields(
  authorization: SpecReader | undefined,
  refs: NamespaceReferences,
): ConfigFields {
  if (authorization === undefined) return {};
  const out: ConfigFields = { type: (authorization.string('type') ?? '').trim() || 'Bearer' };
  const credentials = refs.secret(authorization, 'credentials');
  if (credentials !== undefined) out.credentials = credentials;
  copyString(authorization, 'credentialsFile', out, 'credentials_file');
  return { authorization: out };
}

/**
 * `oauth2` -> `oauth2`: the client id (Secret or ConfigMap), secret (Secret), token URL, scopes
 * and endpoint params, with the proxy and TLS settings of the token request.
 */
export function oauth2Fields(spec: SpecReader, refs: NamespaceReferences): ConfigFields {
  const oauth2 = spec.object('oauth2');
  if (oauth2 === undefined) return {};
  const out: ConfigFields = {};
  const clientId = refs.secretOrConfigMap(oauth2, 'clientId');
  if (clientId !== undefined) out.client_id = clientId;
  const clientSecret = refs.secret(oauth2, 'clientSecret');
  if (clientSecret !== undefined) out.client_secret = clientSecret;
  copyString(oauth2, 'tokenUrl', out, 'token_url');
  const scopes = oauth2.stringList('scopes');
  if (scopes !== undefined && scopes.length > 0) out.scopes = scopes;
  const params = oauth2.stringMap('endpointParams');
  if (params !== undefined && Object.keys(params).length > 0) out.endpoint_params = params;
  Object.assign(out, proxyFields(oauth2, refs));
  const tls = tlsConfigFields(oauth2.object('tlsConfig'), refs);
  if (tls !== undefined) out.tls_config = tls;
  return { oauth2: out };
}

/**
 * A `tlsConfig` (SafeTLSConfig, plus the file fields of TLSConfig) as `tls_config`; undefined when
 * absent. CA and certificate come from a Secret or a ConfigMap, the key from a Secret.
 */
export function tlsConfigFields(
  tls: SpecReader | undefined,
  refs: NamespaceReferences,
): ConfigFields | undefined {
  if (tls === undefined) return undefined;
  const out: ConfigFields = {};
  copyBoolean(tls, 'insecureSkipVerify', out, 'insecure_skip_verify');
  const ca = refs.secretOrConfigMap(tls, 'ca');
  if (ca !== undefined) out.ca = ca;
  const cert = refs.secretOrConfigMap(tls, 'cert');
  if (cert !== undefined) out.cert = cert;
  const key = refs.secret(tls, 'keySecret');
  if (key !== undefined) out.key = key;
  copyString(tls, 'serverName', out, 'server_name');
  copyString(tls, 'minVersion', out, 'min_version');
  copyString(tls, 'maxVersion', out, 'max_version');
  copyString(tls, 'caFile', out, 'ca_file');
  copyString(tls, 'certFile', out, 'cert_file');
  copyString(tls, 'keyFile', out, 'key_file');
  checkTlsPairs(tls, out);
  return out;
}

/**
 * What Prometheus's TLS config refuses (and with it the collector, for every job at once): a CA,
 * certificate or key given both inline and as a file, or a certificate without its key.
 */
function checkTlsPairs(tls: SpecReader, out: ConfigFields): void {
  for (const [inline, file, fields] of [
    ['ca', 'ca_file', 'ca and caFile'],
    ['cert', 'cert_file', 'cert and certFile'],
    ['key', 'key_file', 'keySecret and keyFile'],
  ] as const) {
    if (inline in out && file in out) {
      throw new MonitorError(`${tls.path} sets both ${fields}; keep one`);
    }
  }
  const hasCert = 'cert' in out || 'cert_file' in out;
  const hasKey = 'key' in out || 'key_file' in out;
  if (hasCert !== hasKey) {
    throw new MonitorError(
      `${tls.path}: a client certificate needs both a certificate (cert or certFile) and its key (keySecret or keyFile)`,
    );
  }
}

/** `proxyUrl`, `noProxy`, `proxyFromEnvironment`, `proxyConnectHeader` (values from Secrets). */
export function proxyFields(spec: SpecReader, refs: NamespaceReferences): ConfigFields {
  const out: ConfigFields = {};
  copyString(spec, 'proxyUrl', out, 'proxy_url');
  copyString(spec, 'noProxy', out, 'no_proxy');
  copyBoolean(spec, 'proxyFromEnvironment', out, 'proxy_from_environment');
  const headers = spec.object('proxyConnectHeader');
  if (headers !== undefined) {
    const resolved: Record<string, string[]> = {};
    for (const name of Object.keys(headers.value).sort()) {
      resolved[name] = headers.objectList(name).map((ref) => refs.secretSelector(ref) ?? '');
    }
    out.proxy_connect_header = resolved;
  }
  return out;
}
