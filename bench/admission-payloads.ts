/** The admission benchmark's collector: a v1alpha1 config string with `jobs` scrape jobs. */
import { stringify } from 'yaml';

export function collectorWithJobs(jobs: number): unknown {
  const scrapeConfigs = Array.from({ length: jobs }, (_, index) => ({
    job_name: `service-${index}`,
    scrape_interval: '30s',
    static_configs: [
      { targets: [`service-${index}.apps.svc:8080`, `service-${index}-b.apps.svc:8080`] },
    ],
    relabel_configs: [
      {
        source_labels: ['__address__'],
        target_label: 'instance',
        regex: '(.*):\\d+',
        replacement: '$$1',
      },
    ],
  }));
  // Block-style YAML, as people write collector configs.
  const config = stringify({
    receivers: { prometheus: { config: { scrape_configs: scrapeConfigs } } },
    exporters: { debug: {} },
    service: { pipelines: { metrics: { receivers: ['prometheus'], exporters: ['debug'] } } },
  });
  return {
    apiVersion: 'opentelemetry.io/v1alpha1',
    kind: 'OpenTelemetryCollector',
    metadata: { name: 'hundred-jobs', namespace: 'observability' },
    spec: { mode: 'statefulset', replicas: 5, targetAllocator: { enabled: true }, config },
  };
}
