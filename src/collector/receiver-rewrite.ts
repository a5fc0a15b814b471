import { Annotations, type RewriteMode } from './annotations.js';
import { CollectorInputError } from './collector-error.js';
import { describeType } from './model.js';
import { copyRecord, isRecord, jsonEqual, type JsonObject } from './json-value.js';
import { COLLECTOR_ID_REFERENCE } from './naming.js';
import { checkRefreshInterval } from './refresh-interval.js';
import {
  jobName,
  readScrapeConfigs,
  recoverOriginal,
  rewriteForHttpSd,
  rewriteWarnings,
  servedJobName,
  writtenRefreshInterval,
} from './scrape-configs.js';

export const PROMETHEUS_RECEIVER = 'prometheus';

export interface ReceiverRewriteInput {
  /** The collector config; never modified (the result copies what it changes and shares the rest). */
  readonly config: JsonObject;
  readonly mode: RewriteMode;
  /** `http://<allocator>.<ns>.svc:80`. */
  readonly allocatorUrl: string;
  /** The previously stashed originals, when the object carries a valid stash. */
  readonly stash: readonly JsonObject[] | undefined;
  /** How often collectors poll the allocator (Prometheus duration); src/collector/refresh-interval.ts. */
  readonly refreshInterval: string;
}

export type ReceiverRewriteResult =
  | { readonly kind: 'no-receiver' }
  | {
      readonly kind: 'rewritten';
      readonly config: JsonObject;
      /** The original scrape configs to stash, in config order. */
      readonly originals: JsonObject[];
      readonly warnings: string[];
    };

/**
 * The receiver's `target_allocator` block this project writes in `target_allocator` mode. Both
 * polls get the refresh interval: `interval` for /scrape_configs, `http_sd_config` for each job's
 * targets (the receiver polls those every 30 s, hard-coded, unless it is set).
 */
export function targetAllocatorBlock(allocatorUrl: string, refreshInterval: string): JsonObject {
  return {
    endpoint: allocatorUrl,
    interval: refreshInterval,
    collector_id: COLLECTOR_ID_REFERENCE,
    http_sd_config: { refresh_interval: refreshInterval },
  };
}

const OUR_BLOCK_KEYS = new Set(['endpoint', 'interval', 'collector_id', 'http_sd_config']);

/** A `target_allocator` block of the shape this project writes, on this collector's allocator. */
function isOurBlock(block: unknown, allocatorUrl: string): boolean {
  if (!isRecord(block)) return false;
  if (block.endpoint !== allocatorUrl || block.collector_id !== COLLECTOR_ID_REFERENCE)
    return false;
  if (!Object.keys(block).every((key) => OUR_BLOCK_KEYS.has(key))) return false;
  const httpSd = block.http_sd_config;
  return (
    httpSd === undefined ||
    (isRecord(httpSd) && Object.keys(httpSd).every((key) => key === 'refresh_interval'))
  );
}

/**
 * A block on this collector's allocator gets the refresh interval where it has none; a value
 * written there is kept, once checked.
 */
function withRefreshInterval(block: JsonObject, refreshInterval: string): JsonObject {
  const result = copyRecord(block);
  if (result.interval === undefined || result.interval === null) {
    result.interval = refreshInterval;
  } else {
    checkRefreshInterval(result.interval, 'receivers.prometheus.target_allocator.interval');
  }
  const httpSd = result.http_sd_config;
  if (httpSd === undefined || httpSd === null) {
    result.http_sd_config = { refresh_interval: refreshInterval };
  } else if (isRecord(httpSd)) {
    if (httpSd.refresh_interval === undefined || httpSd.refresh_interval === null) {
      result.http_sd_config = { ...httpSd, refresh_interval: refreshInterval };
    } else {
      checkRefreshInterval(
        httpSd.refresh_interval,
        'receivers.prometheus.target_allocator.http_sd_config.refresh_interval',
      );
    }
  }
  return result;
}

/**
 * Rewrites the receiver named `prometheus` so its jobs get their targets from the allocator, and
 * returns the original scrape configs to stash. Throws CollectorInputError on malformed input.
 */
export function rewritePrometheusReceiver(input: ReceiverRewriteInput): ReceiverRewriteResult {
  const receivers = input.config.receivers;
  if (receivers === undefined || receivers === null) return { kind: 'no-receiver' };
  if (!isRecord(receivers)) {
    throw inputError(
      `spec.config receivers is ${describeType(receivers)}; it must be a map of receivers`,
    );
  }
  if (!Object.hasOwn(receivers, PROMETHEUS_RECEIVER)) return { kind: 'no-receiver' };
  const original = receivers[PROMETHEUS_RECEIVER];
  if (!isRecord(original)) {
    throw inputError(
      `receivers.prometheus is ${describeType(original)}; it must be a map with a config: block holding scrape_configs`,
    );
  }
  const originalPromConfig = original.config;
  if (
    originalPromConfig !== undefined &&
    originalPromConfig !== null &&
    !isRecord(originalPromConfig)
  ) {
    throw inputError(
      `receivers.prometheus.config is ${describeType(originalPromConfig)}; it must be a Prometheus config map (global, scrape_configs)`,
    );
  }
  // The rewrite edits copies of the receiver and its Prometheus config; the rest is shared.
  const receiver = copyRecord(original);
  const promConfig = isRecord(originalPromConfig) ? copyRecord(originalPromConfig) : undefined;
  if (promConfig !== undefined) receiver.config = promConfig;
  const context = { ...input, receiver, promConfig };
  const { originals, warnings } =
    input.mode === 'http_sd' ? rewriteHttpSd(context) : rewriteTargetAllocator(context);
  const config: JsonObject = {
    ...input.config,
    receivers: { ...receivers, [PROMETHEUS_RECEIVER]: receiver },
  };
  return { kind: 'rewritten', config, originals, warnings };
}

interface RewriteContext extends ReceiverRewriteInput {
  readonly receiver: JsonObject;
  readonly promConfig: JsonObject | undefined;
}

interface Rewrite {
  readonly originals: JsonObject[];
  readonly warnings: string[];
}

function rewriteHttpSd(context: RewriteContext): Rewrite {
  const { receiver, promConfig, allocatorUrl, stash } = context;
  const listed = promConfig?.scrape_configs;
  const warnings: string[] = [];
  let originals: JsonObject[];
  let current: readonly JsonObject[] = [];
  const switchedBack =
    (listed === undefined || listed === null) &&
    stash !== undefined &&
    stash.length > 0 &&
    isOurBlock(receiver.target_allocator, allocatorUrl);
  if (switchedBack) {
    // The object was in target_allocator mode: its jobs live only in the stash, so they come back.
    originals = readScrapeConfigs(stash, 'the stashed scrape configs');
    delete receiver.target_allocator;
    warnings.push(
      'rewrite mode changed to http_sd: the stashed scrape jobs are back in scrape_configs',
    );
  } else {
    current = readScrapeConfigs(listed, 'receivers.prometheus.config.scrape_configs');
    originals = recoverAll(current, context, warnings);
    const block = receiver.target_allocator;
    if (block !== undefined && block !== null) {
      const endpoint = isRecord(block) ? ` (endpoint ${String(block.endpoint)})` : '';
      warnings.push(
        `receivers.prometheus.target_allocator${endpoint} is kept as written, so the receiver also takes scrape jobs from it beside the http_sd_configs the jobs now use; remove it, or set annotation ${Annotations.rewriteMode}: target_allocator to have otel-ta write it`,
      );
    }
  }
  if (originals.length === 0 && !switchedBack) return { originals, warnings };
  const rewritten = originals.map((original, index) => {
    const job = rewriteForHttpSd(
      original,
      allocatorUrl,
      refreshIntervalOf(current[index], context),
    );
    // Only a job this pass changes deserves a warning; an already rewritten one is old news.
    if (!jsonEqual(current[index], job)) warnings.push(...rewriteWarnings(original, job));
    return job;
  });
  const target = promConfig ?? (receiver.config = {});
  target.scrape_configs = rewritten;
  return { originals, warnings };
}

/** The refresh interval for a job: the one its http_sd entry on this allocator has, else ours. */
function refreshIntervalOf(job: JsonObject | undefined, context: RewriteContext): string {
  const written = job === undefined ? undefined : writtenRefreshInterval(job, context.allocatorUrl);
  if (written === undefined || written === null) return context.refreshInterval;
  checkRefreshInterval(
    written,
    `scrape job "${jobName(job ?? {})}" http_sd_configs[0].refresh_interval`,
  );
  return written as string;
}

function rewriteTargetAllocator(context: RewriteContext): Rewrite {
  const { receiver, promConfig, allocatorUrl, stash } = context;
  const ours = targetAllocatorBlock(allocatorUrl, context.refreshInterval);
  const block = receiver.target_allocator;
  const warnings: string[] = [];
  let originals: JsonObject[] = stash === undefined ? [] : [...stash];
  if (promConfig !== undefined && Object.hasOwn(promConfig, 'scrape_configs')) {
    const jobs = readScrapeConfigs(
      promConfig.scrape_configs,
      'receivers.prometheus.config.scrape_configs',
    );
    const recovered = recoverAll(jobs, context, warnings);
    originals = isOurBlock(block, allocatorUrl)
      ? mergeByName(originals, recovered, warnings)
      : recovered;
    delete promConfig.scrape_configs;
    warnings.push(
      'receivers.prometheus.config.scrape_configs moved to the target allocator; the receiver gets its jobs from its target_allocator block',
    );
  }
  if (block === undefined || block === null) {
    receiver.target_allocator = ours;
  } else if (isRecord(block) && block.endpoint === ours.endpoint) {
    receiver.target_allocator = withRefreshInterval(block, context.refreshInterval);
  } else if (isRecord(block)) {
    warnings.push(
      `receivers.prometheus.target_allocator is kept as written; its endpoint is not this collector's allocator (${allocatorUrl})`,
    );
  }
  return { originals, warnings };
}

function recoverAll(
  jobs: readonly JsonObject[],
  context: RewriteContext,
  warnings: string[],
): JsonObject[] {
  const byName = new Map((context.stash ?? []).map((job) => [servedJobName(job), job] as const));
  return jobs.map((job) => {
    const recovered = recoverOriginal(job, byName, context.allocatorUrl);
    warnings.push(...recovered.warnings);
    return recovered.original;
  });
}

/**
 * Jobs added to a config whose scrape_configs were already moved to the allocator join the
 * stash (replacing a stashed job of the same name); the other stashed jobs stay.
 */
function mergeByName(stashed: JsonObject[], added: JsonObject[], warnings: string[]): JsonObject[] {
  const addedNames = new Set(added.map(jobName));
  const kept = stashed.filter((job) => !addedNames.has(jobName(job)));
  if (kept.length > 0) {
    warnings.push(
      `scrape jobs ${added.map((job) => `"${jobName(job)}"`).join(', ')} were added to the stashed jobs; to remove a stashed job, re-apply the full manifest without the target_allocator block`,
    );
  }
  return [...kept, ...added];
}

function inputError(message: string): CollectorInputError {
  return new CollectorInputError('COLLECTOR_PROMETHEUS_RECEIVER', message);
}
