import { stringify } from 'yaml';

/**
 * A v1beta1 collector with a prometheus receiver scraping one static target: the base the kubectl
 * scenarios vary (`spec` overrides its fields, e.g. mode, replicas, targetAllocator).
 */
export function staticScrapeCollectorYaml(options: {
  readonly name: string;
  readonly namespace: string;
  readonly replicas: number;
  readonly annotations?: Record<string, string>;
  readonly spec?: Record<string, unknown>;
}): string {
  return stringify({
    apiVersion: 'opentelemetry.io/v1beta1',
    kind: 'OpenTelemetryCollector',
    metadata: {
      name: options.name,
      namespace: options.namespace,
      annotations: options.annotations ?? {},
    },
    spec: {
      mode: 'statefulset',
      replicas: options.replicas,
      config: {
        receivers: {
          prometheus: {
            config: {
              scrape_configs: [{ job_name: 'app', static_configs: [{ targets: ['app:8080'] }] }],
            },
          },
        },
        exporters: { debug: {} },
        service: { pipelines: { metrics: { receivers: ['prometheus'], exporters: ['debug'] } } },
      },
      ...options.spec,
    },
  });
}
