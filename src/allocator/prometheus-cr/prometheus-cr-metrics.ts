import { Gauge, type Registry } from 'prom-client';

/** Monitors the allocator skipped, with why; one series per skipped monitor, 1 while it is skipped. */
export type InvalidMonitorsGauge = Gauge<'kind' | 'namespace' | 'name' | 'reason'>;

export function createInvalidMonitorsGauge(registry: Registry): InvalidMonitorsGauge {
  const existing = registry.getSingleMetric('otel_ta_prometheus_cr_invalid_monitors');
  if (existing !== undefined) return existing as InvalidMonitorsGauge;
  return new Gauge({
    name: 'otel_ta_prometheus_cr_invalid_monitors',
    help: 'ServiceMonitors, PodMonitors, ScrapeConfigs and Probes left out because they cannot be turned into scrape configs (reason says why).',
    labelNames: ['kind', 'namespace', 'name', 'reason'],
    registers: [registry],
  });
}
