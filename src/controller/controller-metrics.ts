import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The controller's own metrics (`otel_ta_controller_*`), on its health port's /metrics. */
export interface ControllerMetrics {
  readonly registry: Registry;
  readonly reconciles: Counter<'result'>;
  readonly reconcileDuration: Histogram;
  readonly leader: Gauge;
  readonly queueDepth: Gauge;
}

export function createControllerMetrics(
  options: { defaultMetrics?: boolean } = {},
): ControllerMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    reconciles: new Counter({
      name: 'otel_ta_controller_reconciles_total',
      help: 'Collector reconciles, by result (success or error; errors are retried with backoff).',
      labelNames: ['result'],
      registers,
    }),
    reconcileDuration: new Histogram({
      name: 'otel_ta_controller_reconcile_duration_seconds',
      help: 'Time to reconcile one collector, in seconds.',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    leader: new Gauge({
      name: 'otel_ta_controller_leader',
      help: '1 while this replica leads (reconciles), 0 otherwise.',
      registers,
    }),
    queueDepth: new Gauge({
      name: 'otel_ta_controller_queue_depth',
      help: 'Collectors waiting to be reconciled.',
      registers,
    }),
  };
}
