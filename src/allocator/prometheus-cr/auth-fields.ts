import {
  authorizationFields,
  basicAuthFields,
  oauth2Fields,
  type ConfigFields,
} from './http-client-settings.js';
import { MonitorError } from './monitor-error.js';
import type { NamespaceReferences } from './references.js';
import { mergeAuthorization, type ScrapeClass } from './scrape-classes.js';
import type { SpecReader } from './spec-reader.js';

/**
 * How a monitor, Probe or ScrapeConfig authenticates its scrapes: `bearerTokenFile`,
 * `bearerTokenSecret` (as a Bearer authorization, which Prometheus prefers to `bearer_token`),
 * `basicAuth`, `oauth2` and `authorization`. The scrape class's authorization is the default only
 * when the resource sets none of these: prometheus-operator would add it beside `basicAuth` or
 * `oauth2`, and Prometheus (so the collector) refuses a job with two ways to authenticate.
 */
export function authenticationFields(
  spec: SpecReader,
  refs: NamespaceReferences,
  scrapeClass: ScrapeClass,
): ConfigFields {
  const out: ConfigFields = {};
  const tokenFile = spec.string('bearerTokenFile');
  if (tokenFile !== undefined && tokenFile !== '') out.bearer_token_file = tokenFile;
  const bearer = refs.secret(spec, 'bearerTokenSecret');
  if (bearer !== undefined) out.authorization = { type: 'Bearer', credentials: bearer };
  Object.assign(out, basicAuthFields(spec, refs), oauth2Fields(spec, refs));
  const own = spec.object('authorization');
  const inherit = Object.keys(out).length === 0;
  Object.assign(
    out,
    authorizationFields(inherit ? mergeAuthorization(own, scrapeClass) : own, refs),
  );
  // The collector validates every job it gets and refuses the whole update for one bad job, so
  // a combination Prometheus refuses must stop here, naming the fields.
  const ways = ['basic_auth', 'oauth2', 'authorization', 'bearer_token_file'].filter(
    (key) => key in out,
  );
  if (ways.length > 1) {
    throw new MonitorError(
      `${spec.path} sets ${ways.join(' and ')} (from ${AUTH_FIELDS}); Prometheus accepts one way to authenticate a scrape: keep one`,
    );
  }
  return out;
}

const AUTH_FIELDS = 'basicAuth, oauth2, authorization, bearerTokenSecret, bearerTokenFile';
