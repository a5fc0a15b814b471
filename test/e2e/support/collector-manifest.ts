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

/**
 * Stands in for the upstream operator's CRD, which the with-upstream-operator mode (overlay and
 * chart) leaves to the operator: v1beta1 only, no conversion, any fields. The operator itself is not
 * installed; what is tested is which collectors reach otel-ta's webhook.
 */
export const UPSTREAM_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'opentelemetrycollectors.opentelemetry.io' },
  spec: {
    group: 'opentelemetry.io',
    scope: 'Namespaced',
    names: {
      kind: 'OpenTelemetryCollector',
      plural: 'opentelemetrycollectors',
      singular: 'opentelemetrycollector',
    },
    versions: [
      {
        name: 'v1beta1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        },
      },
    ],
  },
};
