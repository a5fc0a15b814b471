import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type WebhookEndpoint = 'mutate' | 'validate' | 'convert';

/** The webhook's own metrics (`otel_ta_` prefix: there is no upstream equivalent to follow). */
export interface WebhookMetrics {
  readonly registry: Registry;
  /** Per endpoint and outcome (patched, allowed, denied, rejected, error; success/failure for convert). */
  readonly requestDuration: Histogram<'endpoint' | 'outcome'>;
  readonly policyReloads: Counter<'result'>;
  readonly policyRules: Gauge;
  readonly tlsReloads: Counter<'result'>;
}

// Admission answers are expected in single milliseconds; the buckets resolve that range.
const BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export function createWebhookMetrics(options: { defaultMetrics?: boolean } = {}): WebhookMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    requestDuration: new Histogram({
      name: 'otel_ta_webhook_request_duration_seconds',
      help: 'Time to answer an admission or conversion request, per endpoint and outcome.',
      labelNames: ['endpoint', 'outcome'],
      buckets: BUCKETS,
      registers,
    }),
    policyReloads: new Counter({
      name: 'otel_ta_policy_reloads_total',
      help: 'Policy file loads, by result (success, failure: the last good policy stays in effect).',
      labelNames: ['result'],
      registers,
    }),
    policyRules: new Gauge({
      name: 'otel_ta_policy_rules',
      help: 'Number of rules in the policy in effect.',
      registers,
    }),
    tlsReloads: new Counter({
      name: 'otel_ta_webhook_tls_reloads_total',
      help: 'Serving certificate reloads, by result (failure: the previous certificate keeps serving).',
      labelNames: ['result'],
      registers,
    }),
  };
}
