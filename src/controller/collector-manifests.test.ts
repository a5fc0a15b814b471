import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { storedCollector } from '../../test/e2e/controller-fixtures.js';
import type { KubeObject } from '../k8s/object.js';
import { buildCollectorManifests } from './collector-manifests.js';
import { toCollectorResource } from './collector-resource.js';

type Edit = Parameters<typeof storedCollector>[0];
const render = (edit?: Edit): KubeObject[] =>
  buildCollectorManifests(toCollectorResource(storedCollector(edit))!, {
    defaultImage: 'otelcol:1',
  });

const NAME = 'collector-with-ta-collector';
const SELECTOR = {
  'app.kubernetes.io/component': 'opentelemetry-collector',
  'app.kubernetes.io/instance': 'observability.collector-with-ta',
  'app.kubernetes.io/managed-by': 'otel-ta',
  'app.kubernetes.io/part-of': 'opentelemetry',
};

describe('buildCollectorManifests (standalone mode)', () => {
  it('renders ConfigMap, ServiceAccount, Service and the workload of spec.mode', () => {
    expect(render().map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual([
      `ConfigMap/${NAME}`,
      `ServiceAccount/${NAME}`,
      `Service/${NAME}`,
      `StatefulSet/${NAME}`,
    ]);
    expect(render((c) => (c.spec.mode = 'daemonset')).at(-1)?.kind).toBe('DaemonSet');
    expect(render((c) => (c.spec.mode = 'deployment')).at(-1)?.kind).toBe('Deployment');
  });

  it('the ConfigMap holds the stored (rewritten, still $$-escaped) config', () => {
    const cm = render()[0]!;
    const config = parse((cm.data as Record<string, string>)['collector.yaml']!) as {
      receivers: { prometheus: { config: { scrape_configs: Record<string, unknown>[] } } };
      service: unknown;
    };
    const job = config.receivers.prometheus.config.scrape_configs[0]!;
    expect(Object.keys(job)).toEqual([
      'job_name',
      'scrape_interval',
      'http_sd_configs',
      'metric_relabel_configs',
    ]);
    expect(job.metric_relabel_configs).toEqual([
      { action: 'labeldrop', regex: '(id|name)', replacement: '$$1' },
    ]);
  });

  it('renders the StatefulSet with POD_NAME, the config mount and restricted defaults', () => {
    const sts = render().at(-1)! as { spec: Record<string, unknown> };
    expect(sts.spec).toMatchObject({
      replicas: 3,
      serviceName: NAME,
      selector: { matchLabels: SELECTOR },
    });
    const pod = (sts.spec.template as { spec: { containers: Record<string, unknown>[] } }).spec;
    expect(pod.containers[0]).toMatchObject({
      name: 'otc-container',
      image: 'otelcol:1',
      args: ['--config=/conf/collector.yaml'],
      env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
      volumeMounts: [{ name: 'otc-internal', mountPath: '/conf', readOnly: true }],
      ports: [{ name: 'metrics', containerPort: 8888, protocol: 'TCP' }],
      securityContext: { readOnlyRootFilesystem: true, runAsNonRoot: true },
    });
  });

  it("uses the spec's image and ports", () => {
    const objects = render((c) => {
      c.spec.image = 'my/otelcol:2';
      c.spec.ports = [{ name: 'otlp', port: 4317 }];
    });
    const service = objects.find((o) => o.kind === 'Service')!;
    expect((service.spec as { ports: unknown[] }).ports).toEqual([
      { name: 'otlp', port: 4317, targetPort: 'otlp', protocol: 'TCP' },
      { name: 'metrics', port: 8888, targetPort: 'metrics', protocol: 'TCP' },
    ]);
    expect(JSON.stringify(objects.at(-1))).toContain('"image":"my/otelcol:2"');
  });
});
