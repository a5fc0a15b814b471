import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The allocator's metrics. Names and labels follow the upstream Go allocator's
 * (`opentelemetry_allocator_*`) so existing dashboards and alerts keep working; metrics of our own
 * use the `otel_ta_` prefix.
 */
export interface AllocatorMetrics {
  readonly registry: Registry;
  readonly targets: Gauge<'job_name'>;
  readonly targetsRemaining: Gauge;
  readonly targetsUnassigned: Gauge;
  readonly targetsPerCollector: Gauge<'collector_name' | 'strategy'>;
  readonly collectorsAllocatable: Gauge<'strategy'>;
  readonly collectorsDiscovered: Gauge;
  readonly timeToAllocate: Histogram<'method' | 'strategy'>;
  readonly processTargetsDuration: Histogram;
  readonly httpDuration: Histogram<'path'>;
  readonly events: Counter<'source'>;
  readonly configReloads: Counter<'result'>;
  readonly discoveryErrors: Counter<'job_name' | 'mechanism'>;
  readonly responseCacheBytes: Gauge<'form'>;
  readonly targetsHeld: Gauge<'job_name'>;
  readonly handoffOldestHoldSeconds: Gauge;
  readonly handoffs: Counter<'reason'>;
  readonly collectorsSilent: Gauge;
  /** Called on every scrape of /metrics before the values are read (the handoff's gauges). */
  beforeCollect(update: () => void): void;
}

const FAST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export function createAllocatorMetrics(
  options: { defaultMetrics?: boolean } = {},
): AllocatorMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const updates: (() => void)[] = [];
  return {
    beforeCollect: (update) => updates.push(update),
    registry,
    targets: new Gauge({
      name: 'opentelemetry_allocator_targets',
      help: 'Number of targets discovered, per job.',
      labelNames: ['job_name'],
      registers,
    }),
    targetsRemaining: new Gauge({
      name: 'opentelemetry_allocator_targets_remaining',
      help: 'Number of targets kept after filtering.',
      registers,
    }),
    targetsUnassigned: new Gauge({
      name: 'opentelemetry_allocator_targets_unassigned',
      help: 'Number of targets that could not be assigned to a collector.',
      registers,
    }),
    targetsPerCollector: new Gauge({
      name: 'opentelemetry_allocator_targets_per_collector',
      help: 'Number of targets assigned to each collector.',
      labelNames: ['collector_name', 'strategy'],
      registers,
    }),
    collectorsAllocatable: new Gauge({
      name: 'opentelemetry_allocator_collectors_allocatable',
      help: 'Number of collectors targets can be assigned to.',
      labelNames: ['strategy'],
      registers,
    }),
    collectorsDiscovered: new Gauge({
      name: 'opentelemetry_allocator_collectors_discovered',
      help: 'Number of collectors discovered.',
      registers,
    }),
    timeToAllocate: new Histogram({
      name: 'opentelemetry_allocator_time_to_allocate',
      help: 'Time to allocate targets or collectors, in seconds.',
      labelNames: ['method', 'strategy'],
      buckets: FAST_BUCKETS,
      registers,
    }),
    processTargetsDuration: new Histogram({
      name: 'opentelemetry_allocator_process_targets_duration_seconds',
      help: 'Time to process discovered targets (filter, identity, allocation), in seconds.',
      buckets: FAST_BUCKETS,
      registers,
    }),
    httpDuration: new Histogram({
      name: 'opentelemetry_allocator_http_duration_seconds',
      help: 'Duration of HTTP requests, in seconds, per route.',
      labelNames: ['path'],
      buckets: FAST_BUCKETS,
      registers,
    }),
    events: new Counter({
      name: 'opentelemetry_allocator_events_total',
      help: 'Number of events that triggered reprocessing, per source.',
      labelNames: ['source'],
      registers,
    }),
    configReloads: new Counter({
      name: 'otel_ta_config_reloads_total',
      help: 'Config file reloads, by result (success or failure); a failure keeps the last good config.',
      labelNames: ['result'],
      registers,
    }),
    discoveryErrors: new Counter({
      name: 'otel_ta_discovery_errors_total',
      help: 'Failed discovery refreshes; the last good result is kept.',
      labelNames: ['job_name', 'mechanism'],
      registers,
    }),
    responseCacheBytes: new Gauge({
      name: 'otel_ta_response_cache_bytes',
      help: 'Bytes of target response bodies kept: form="all" (compact, plus plain where kept), form="hot_plain" (the plain copies of bodies requested 3+ times per 10 s). Updated every 10 s.',
      labelNames: ['form'],
      registers,
    }),
    targetsHeld: new Gauge({
      name: 'otel_ta_targets_held',
      help: 'Targets moved between collectors and held back from their new owner until the old one has stopped scraping them and written its staleness markers, per job.',
      labelNames: ['job_name'],
      registers,
      // The first of the handoff metrics prom-client reads (in registration order, each metric's
      // collect runs before its values are read): refresh them all from the handoff.
      collect: () => {
        for (const update of updates) update();
      },
    }),
    handoffOldestHoldSeconds: new Gauge({
      name: 'otel_ta_handoff_oldest_hold_seconds',
      help: 'Age of the oldest hold in progress, in seconds; 0 when none.',
      registers,
    }),
    handoffs: new Counter({
      name: 'otel_ta_handoffs_total',
      help: 'Moved targets handed to their new owner, by reason: old_owner_polled (old owner polled, then markers delay), old_owner_left (left the pool), old_owner_silent (stopped polling), time_bound (old owner poll not seen), returned (back to the old owner before it polled).',
      labelNames: ['reason'],
      registers,
    }),
    collectorsSilent: new Gauge({
      name: 'otel_ta_collectors_silent',
      help: 'Collectors in the pool that stopped polling and are left out of the allocation until they poll again.',
      registers,
    }),
  };
}
