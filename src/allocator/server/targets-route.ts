import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Histogram } from 'prom-client';
import { firstQueryValue, MalformedEscapeError, queryUnescape } from './query-escape.js';
import type { CachedBody } from './cached-body.js';
import type { ResponseCache } from './response-cache.js';
import { sendCachedJson, sendJson } from './send-body.js';

// The path label upstream's router reports for this route, so existing dashboards keep matching.
export const TARGETS_ROUTE = '/jobs/:job_id/targets';

const PREFIX = '/jobs/';
const SUFFIX = '/targets';

/** The raw (still escaped) job segment and query of a targets URL, or undefined if it is not one. */
export function matchTargetsUrl(url: string): { rawJob: string; rawQuery: string } | undefined {
  if (!url.startsWith(PREFIX)) return undefined;
  const q = url.indexOf('?');
  const pathEnd = q < 0 ? url.length : q;
  if (pathEnd - PREFIX.length <= SUFFIX.length) return undefined;
  if (url.lastIndexOf(SUFFIX, pathEnd) !== pathEnd - SUFFIX.length) return undefined;
  const rawJob = url.slice(PREFIX.length, pathEnd - SUFFIX.length);
  if (rawJob.includes('/')) return undefined;
  return { rawJob, rawQuery: q < 0 ? '' : url.slice(q + 1) };
}

/** A collector's poll of a job's targets, for the handoff (it learns what the collector knows). */
export type PollRecorder = (job: string, collectorId: string) => void;

/** The cached body for a matched targets URL; throws MalformedEscapeError for a bad escape. */
function targetsBody(
  cache: ResponseCache,
  match: { rawJob: string; rawQuery: string },
  recordPoll: PollRecorder | undefined,
): CachedBody {
  const job = queryUnescape(match.rawJob);
  const collectorId = firstQueryValue(match.rawQuery, 'collector_id');
  if (collectorId === undefined) return cache.allCollectorsFor(job);
  recordPoll?.(job, collectorId);
  return cache.targetsFor(job, collectorId);
}

/**
 * `GET /jobs/{job}/targets[?collector_id=...]`, the route every collector polls. It runs before
 * (and instead of) the express stack: match the URL by hand, unescape the job as Go's
 * QueryUnescape does, and write a cached Buffer. Returns false when the request is not for it.
 */
export function createTargetsRoute(
  cache: ResponseCache,
  httpDuration: Histogram<'path'>,
  recordPoll?: PollRecorder,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const observe = httpDuration.labels({ path: TARGETS_ROUTE });
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const match = matchTargetsUrl(req.url ?? '');
    if (match === undefined) return false;
    const started = process.hrtime.bigint();
    try {
      sendCachedJson(req, res, targetsBody(cache, match, recordPoll));
    } catch (err) {
      if (!(err instanceof MalformedEscapeError)) throw err;
      sendJson(res, 400, { error: `${err.message}; escape the job name with %XX sequences` });
    }
    observe.observe(Number(process.hrtime.bigint() - started) / 1e9);
    return true;
  };
}
