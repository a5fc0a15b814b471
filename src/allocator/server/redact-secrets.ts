import { redactUrlPassword } from '../../observability/url-password.js';

/**
 * Prometheus marshals every field of its `Secret` type as `<secret>` unless asked for the real
 * value. These are the scrape-config fields of that type (HTTP client config, oauth2, TLS, and the
 * service-discovery mechanisms that carry their own credentials). The allocator redacts them over
 * plain HTTP, as upstream does; the mTLS listener serves the real values.
 */
export const SECRET_PLACEHOLDER = '<secret>';

/** Keys whose value is a secret wherever they appear. */
const SECRET_KEYS: ReadonlySet<string> = new Set([
  'password', // basic_auth, openstack_sd, uyuni_sd
  'credentials', // authorization
  'bearer_token', // legacy HTTP client field
  'client_secret', // oauth2, azure_sd
  'client_certificate_key', // oauth2 (jwt-bearer grant)
  'secret_key', // ec2_sd, lightsail_sd, scaleway_sd, sigv4
  'auth_token', // marathon_sd
  'token', // consul_sd
  'application_secret', // ovhcloud_sd
  'consumer_key', // ovhcloud_sd
  'application_credential_secret', // openstack_sd
]);

/** Keys that are secrets only inside a particular parent object. */
const SECRET_KEYS_UNDER: Readonly<Record<string, ReadonlySet<string>>> = {
  tls_config: new Set(['key']),
};

/**
 * Maps of target labels: their keys are label names, not config fields, and label values are
 * exported on every series, so nothing in them is a secret.
 */
const LABEL_MAPS: ReadonlySet<string> = new Set(['labels']);

/** Maps whose every value (a list of strings) is secret. */
const SECRET_VALUE_MAPS: ReadonlySet<string> = new Set(['proxy_connect_header']);

/**
 * Fields of Prometheus's URL type, which marshals with the password of its userinfo replaced by
 * `xxxxx` (Go's url.Redacted); the rest of the URL stays as written.
 */
const URL_KEYS: ReadonlySet<string> = new Set(['proxy_url']);
function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

function redactList(value: unknown): unknown {
  return Array.isArray(value) ? value.map(() => SECRET_PLACEHOLDER) : SECRET_PLACEHOLDER;
}

function redactNode(value: unknown, parentKey: string | undefined): unknown {
  if (Array.isArray(value)) return value.map((item) => redactNode(item, parentKey));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  const underParent = parentKey === undefined ? undefined : SECRET_KEYS_UNDER[parentKey];
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    if ((SECRET_KEYS.has(key) || underParent?.has(key) === true) && isPresent(child)) {
      // A list stays a list (e.g. `params: {token: [...]}`, a map of lists): a collector parses
      // the whole answer with Prometheus's types, and one mistyped field would lose every job.
      out[key] = redactList(child);
    } else if (URL_KEYS.has(key) && typeof child === 'string') {
      out[key] = redactUrlPassword(child);
    } else if (LABEL_MAPS.has(key)) {
      out[key] = child;
    } else if (SECRET_VALUE_MAPS.has(key) && child !== null && typeof child === 'object') {
      out[key] = Object.fromEntries(
        Object.entries(child as Record<string, unknown>).map(([k, v]) => [k, redactList(v)]),
      );
    } else if (parentKey === 'http_headers' && child !== null && typeof child === 'object') {
      // http_headers: {Name: {values, secrets, files}}; only `secrets` is of the Secret type.
      const header = { ...(child as Record<string, unknown>) };
      if (isPresent(header.secrets)) header.secrets = redactList(header.secrets);
      out[key] = header;
    } else {
      out[key] = redactNode(child, key);
    }
  }
  return out;
}

/** A deep copy of `scrapeConfigs` (job -> scrape config) with every secret replaced. */
export function redactScrapeConfigs(
  scrapeConfigs: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [job, config] of Object.entries(scrapeConfigs))
    out[job] = redactNode(config, undefined);
  return out;
}
