/**
 * The webhook benchmarks' payloads: AdmissionReview bodies with a uid placeholder (and, for the
 * uncached payload, a config-text placeholder), shared by bench:webhook and bench/webhook-cpu.ts.
 */
import { parse, stringify } from 'yaml';
import { DOCUMENTATION_MANIFEST_YAML } from '../src/webhook/documentation-manifest.js';
import { admissionReviewRequest } from '../src/webhook/review-client.js';

export const UID_PLACEHOLDER = '__UID__';
/** Replaced by the request's uid inside a config text, so each request carries a text never seen. */
export const TEXT_PLACEHOLDER = '__NEW_TEXT__';

export interface Payload {
  readonly name: string;
  readonly body: string;
}

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

/** The collector with `# revision <placeholder>` before its config string. */
function withNewTextEachRequest(collector: { spec: { config: string } }): unknown {
  return {
    ...collector,
    spec: { ...collector.spec, config: `# revision ${TEXT_PLACEHOLDER}\n${collector.spec.config}` },
  };
}

function reviewBody(object: unknown): string {
  return JSON.stringify(admissionReviewRequest(object, { uid: UID_PLACEHOLDER }));
}

/** The documentation's manifest, a 100-job collector, and the manifest with a new text each time. */
export function webhookPayloads(): Payload[] {
  return [
    { name: 'documentation-manifest', body: reviewBody(parse(DOCUMENTATION_MANIFEST_YAML)) },
    { name: '100-job-config', body: reviewBody(collectorWithJobs(100)) },
    // The webhook keeps its rewrite per config text (dry run then apply, unchanged re-applies);
    // this payload defeats that: every request's config starts with a comment of its own.
    {
      name: 'documentation-manifest-new-text',
      body: reviewBody(
        withNewTextEachRequest(parse(DOCUMENTATION_MANIFEST_YAML) as { spec: { config: string } }),
      ),
    },
  ];
}

/** The body of one request: its uid, and the uid again in the config text when it has a placeholder. */
export function requestBody(payload: Payload, uid: string): string {
  return payload.body.replace(UID_PLACEHOLDER, uid).replace(TEXT_PLACEHOLDER, uid);
}
