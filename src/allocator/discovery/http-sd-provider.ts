import { configError } from '../../config/allocator/object-reader.js';
import type { TargetGroup } from '../model.js';
import { countDiscoveryError, type DiscoveryDeps } from './deps.js';
import { parseHttpClientSettings } from './http-client-config.js';
import { PeriodicRefresher } from './periodic-refresher.js';
import type { DiscoveryProvider, ProviderFactory } from './provider.js';
import { readDuration, sdConfigReader } from './sd-config.js';
import { contentDigest } from './content-digest.js';
import { parseTargetGroups, reuseUnchangedGroups } from './target-group-parser.js';
import { redactUrlPassword } from '../../observability/url-password.js';

const JSON_CONTENT_TYPE = /^application\/json(;.*)?$/i;
const MAX_TIMEOUT_MS = 60_000;

/** Why one http_sd refresh was rejected; the last good groups stay. */
export class HttpSdError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HttpSdError';
  }
}

/**
 * `http_sd_configs`: polls a URL every `refresh_interval` for a JSON list of target groups and
 * validates the answer as Prometheus does (HTTP 200, `application/json`, a list of
 * `{targets, labels}`). Every group gets `__meta_url`. Errors keep the last good result.
 */
export function createHttpSdFactory(deps: DiscoveryDeps): ProviderFactory {
  return (config, context): DiscoveryProvider => {
    const reader = sdConfigReader(config, 'http_sd_configs', context);
    const url = reader.string('url');
    const intervalMs = readDuration(reader, 'refresh_interval', 60_000);
    const client = parseHttpClientSettings(reader, context.baseDir);
    reader.done();
    if (url === undefined || url === '') throw configError(reader.path, 'url is required');
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw configError(reader.child('url'), `invalid URL "${url}"`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw configError(reader.child('url'), 'URL scheme must be http or https');
    }
    if (parsed.hostname === '') throw configError(reader.child('url'), 'host is missing in URL');
    const logger = context.logger.child({
      mechanism: 'http_sd',
      job: context.job,
      url: redactUrlPassword(parsed.href),
    });

    // Stopping cancels a request in flight: a reload or shutdown must not wait out its timeout.
    const stopping = new AbortController();
    // An unchanged response yields the same group objects, so an idle refresh changes nothing.
    let last: { digest: string; groups: TargetGroup[] } | undefined;
    const refresh = async (): Promise<TargetGroup[]> => {
      const response = await deps.httpGet({
        url,
        headers: {
          accept: 'application/json',
          'user-agent': 'otel-ta',
          'x-prometheus-refresh-interval-seconds': String(intervalMs / 1000),
          ...(await client.headers()),
        },
        timeoutMs: Math.min(intervalMs, MAX_TIMEOUT_MS),
        tls: await client.tls(),
        followRedirects: client.followRedirects,
        signal: stopping.signal,
      });
      if (response.status !== 200) {
        throw new HttpSdError(
          `server returned HTTP status ${response.status} ${response.statusText}`.trim(),
        );
      }
      if (!JSON_CONTENT_TYPE.test(response.contentType ?? '')) {
        throw new HttpSdError(`unsupported content type "${response.contentType ?? ''}"`);
      }
      const digest = contentDigest(response.body);
      if (last !== undefined && last.digest === digest) return last.groups;
      let body: unknown;
      try {
        body = JSON.parse(response.body);
      } catch (err) {
        throw new HttpSdError(`response is not JSON: ${(err as Error).message}`);
      }
      const parsed = parseTargetGroups(body, {
        where: url,
        sourceOf: (i) => `${url}:${i}`,
        ignoreUnknownKeys: true,
        extraLabels: { __meta_url: url },
      });
      const groups = reuseUnchangedGroups(last?.groups, parsed);
      last = { digest, groups };
      return groups;
    };

    const refresher = new PeriodicRefresher({
      intervalMs,
      clock: deps.clock,
      refresh,
      onError: (err) => {
        countDiscoveryError(deps, context.job, 'http_sd');
        logger.error({ err }, 'http_sd: refresh failed; keeping the last good targets');
      },
    });
    return {
      start(sink): Promise<void> {
        // Not awaited: a slow endpoint must not hold up the allocator's start.
        void refresher.start(sink);
        return Promise.resolve();
      },
      stop(): Promise<void> {
        stopping.abort();
        return refresher.stop();
      },
    };
  };
}
