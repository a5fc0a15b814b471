import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Annotations } from './annotations.js';
import type { JsonObject } from './json-value.js';
import { mutateCollector } from './mutate.js';
import { validateCollector } from './validate.js';

const PREFIX = 'the OpenTelemetry Spec Prometheus configuration is incorrect, ';
const ADD_RECEIVER =
  'add a map receivers.prometheus with config.scrape_configs to spec.config, or remove spec.targetAllocator.enabled';
const ADD_JOBS =
  'list the scrape jobs under receivers.prometheus.config.scrape_configs (a list of maps with a job_name), or enable spec.targetAllocator.prometheusCR';

function fixture(version: 'v1alpha1' | 'v1beta1'): JsonObject {
  const path = new URL(
    `../../test/fixtures/collectors/collector-with-ta.${version}.yaml`,
    import.meta.url,
  );
  return parse(readFileSync(path, 'utf8')) as JsonObject;
}

function withSpec(base: JsonObject, spec: JsonObject): JsonObject {
  return { ...base, spec: { ...(base.spec as JsonObject), ...spec } };
}

function message(object: unknown): string | undefined {
  const outcome = validateCollector(object);
  return outcome.allowed ? undefined : outcome.message;
}

const beta = fixture('v1beta1');
const alpha = fixture('v1alpha1');

describe('validateCollector: upstream rules, upstream messages', () => {
  it('warns about jobs that still discover their own targets, and not once they are rewritten', () => {
    expect(validateCollector(beta)).toEqual({
      allowed: true,
      warnings: [
        'scrape jobs "otel-collector" discover their own targets, so every collector replica scrapes all of them (duplicate, out-of-order samples); let the otel-ta webhook rewrite them to the target allocator',
      ],
    });
  });

  it('allows the documentation manifest in both versions, before and after mutation', () => {
    const context = {
      operation: 'CREATE',
      namespace: 'observability',
      name: 'collector-with-ta',
      settings: { allocatorImage: 'i' },
    } as const;
    for (const object of [alpha, beta]) {
      expect(validateCollector(object).allowed).toBe(true);
      const outcome = mutateCollector(object, context);
      expect(outcome.kind === 'mutated' && validateCollector(outcome.object)).toEqual({
        allowed: true,
        warnings: [],
      });
    }
  });

  it('only applies when the allocator is enabled', () => {
    expect(
      message(withSpec(beta, { mode: 'deployment', targetAllocator: { enabled: false } })),
    ).toBeUndefined();
    expect(message({ kind: 'ConfigMap', apiVersion: 'v1' })).toBeUndefined();
  });

  it('rejects modes other than statefulset and daemonset, deployment being the default', () => {
    expect(message(withSpec(beta, { mode: 'sidecar' }))).toBe(
      'the OpenTelemetry Collector mode is set to sidecar, which does not support the target allocation deployment. Fix: set spec.mode: statefulset (or daemonset with spec.targetAllocator.allocationStrategy: per-node), or remove spec.targetAllocator.enabled',
    );
    const noMode = withSpec(beta, {});
    delete (noMode.spec as JsonObject).mode;
    expect(message(noMode)).toBe(
      'the OpenTelemetry Collector mode is set to deployment, which does not support the target allocation deployment. Fix: set spec.mode: statefulset (or daemonset with spec.targetAllocator.allocationStrategy: per-node), or remove spec.targetAllocator.enabled',
    );
  });

  it('requires per-node with a daemonset, and a daemonset with per-node', () => {
    expect(
      message(
        withSpec(beta, {
          mode: 'daemonset',
          targetAllocator: { enabled: true, allocationStrategy: 'least-weighted' },
        }),
      ),
    ).toBe(
      'the OpenTelemetry Collector mode is set to daemonset, which must be used with target allocation strategy per-node. Fix: set spec.targetAllocator.allocationStrategy: per-node',
    );
    expect(
      message(
        withSpec(beta, { targetAllocator: { enabled: true, allocationStrategy: 'per-node' } }),
      ),
    ).toBe(
      'target allocation strategy per-node is only supported in OpenTelemetry Collector mode daemonset. Fix: set spec.mode: daemonset, or spec.targetAllocator.allocationStrategy: consistent-hashing',
    );
    expect(
      message(
        withSpec(beta, {
          mode: 'daemonset',
          targetAllocator: { enabled: true, allocationStrategy: 'per-node' },
        }),
      ),
    ).toBeUndefined();
  });

  it('reports receiver problems wrapped like upstream, each followed by its fix', () => {
    expect(message(withSpec(alpha, { config: 'receivers: [' }))).toBe(
      `${PREFIX}couldn't parse the opentelemetry-collector configuration. Fix: make spec.config a map of receivers, exporters and service`,
    );
    expect(message(withSpec(beta, { config: { exporters: {} } }))).toBe(
      `${PREFIX}no receivers available as part of the configuration. Fix: ${ADD_RECEIVER}`,
    );
    expect(message(withSpec(beta, { config: { receivers: { 'prometheus/x': {} } } }))).toBe(
      `${PREFIX}no prometheus available as part of the configuration. Fix: the target allocator serves only the receiver named "prometheus": rename receivers.prometheus/x to prometheus (or move its scrape_configs there), or remove spec.targetAllocator.enabled`,
    );
    expect(message(withSpec(beta, { config: { receivers: { prometheus: null } } }))).toBe(
      `${PREFIX}prometheus property in the configuration doesn't contain valid prometheus. Fix: ${ADD_RECEIVER}`,
    );
  });

  it.each([
    [
      'allowNamespaces and denyNamespaces both set',
      { allowNamespaces: ['a'], denyNamespaces: ['b'] },
      'only one of prometheus_cr.allow_namespaces or prometheus_cr.deny_namespaces can be set',
    ],
    [
      'a scrape class without a name',
      { scrapeClasses: [{ default: true }] },
      'prometheus_cr.scrape_classes[0]: name is required',
    ],
    [
      'a selector that is not a LabelSelector',
      { probeSelector: { matchLabels: 'team=web' } },
      'prometheus_cr.probe_selector.matchLabels',
    ],
  ])(
    'denies a prometheusCR block the allocator would refuse to start with: %s',
    (_what, cr, inner) => {
      const collector = withSpec(beta, {
        targetAllocator: { enabled: true, prometheusCR: { enabled: true, ...cr } },
      });
      expect(message(collector)).toContain(
        `spec.targetAllocator.prometheusCR would stop the allocator from starting: ${inner}`,
      );
    },
  );

  it('checks a v1alpha1 prometheusCR as stored: its plain-map selectors are fine', () => {
    const collector = withSpec(alpha, {
      targetAllocator: {
        enabled: true,
        prometheusCR: { enabled: true, scrapeConfigSelector: { team: 'web' }, probeSelector: {} },
      },
    });
    expect(message(collector)).toBeUndefined();
  });

  it('needs at least one scrape config unless prometheusCR is enabled', () => {
    const empty = withSpec(beta, {
      config: { receivers: { prometheus: { config: { scrape_configs: [] } } } },
    });
    expect(message(empty)).toBe(
      `${PREFIX}either at least one scrape config needs to be defined or PrometheusCR needs to be enabled. Fix: ${ADD_JOBS}`,
    );
    expect(message(withSpec(beta, { config: { receivers: { prometheus: {} } } }))).toBe(
      `${PREFIX}no prometheusConfig available as part of the configuration. Fix: ${ADD_JOBS}`,
    );
    expect(message(withSpec(beta, { config: { receivers: { prometheus: { config: {} } } } }))).toBe(
      `${PREFIX}no scrape_configs available as part of the configuration. Fix: ${ADD_JOBS}`,
    );
    const cr = withSpec(beta, {
      targetAllocator: { enabled: true, prometheusCR: { enabled: true } },
      config: { receivers: { prometheus: { config: { scrape_configs: [] } } } },
    });
    expect(message(cr)).toBeUndefined();
  });

  it('warns that jobs of a named prometheus/<name> receiver are not sharded, even beside a rewritten prometheus receiver', () => {
    const object = withSpec(alpha, {
      config: `receivers:
  prometheus:
    config:
      scrape_configs:
      - job_name: app
        http_sd_configs:
        - url: http://collector-with-ta-targetallocator.observability.svc:80/jobs/app/targets?collector_id=\${env:POD_NAME}
  prometheus/databases:
    config:
      scrape_configs:
      - job_name: postgres
        static_configs:
        - targets: ['pg:9187']
      - job_name: mongo
        kubernetes_sd_configs:
        - role: pod
service:
  pipelines:
    metrics: {receivers: [prometheus, prometheus/databases], exporters: [debug]}
`,
    });
    const outcome = validateCollector(object);
    expect(outcome).toEqual({
      allowed: true,
      warnings: [
        'receivers.prometheus/databases is not sharded by the target allocator (otel-ta rewrites only the receiver named "prometheus"): its scrape jobs "postgres", "mongo" are scraped by every collector replica (duplicate, out-of-order samples); move them into receivers.prometheus.config.scrape_configs',
      ],
    });
  });

  it('warns when no pipeline uses the prometheus receiver, so no collector scrapes the allocated targets', () => {
    const object = withSpec(beta, {
      config: {
        receivers: {
          otlp: {},
          prometheus: { config: { scrape_configs: [{ job_name: 'app', http_sd_configs: [] }] } },
        },
        service: { pipelines: { metrics: { receivers: ['otlp'], exporters: ['debug'] } } },
      },
    });
    expect(validateCollector(object)).toEqual({
      allowed: true,
      warnings: [
        'receivers.prometheus is not listed in any pipeline of service.pipelines, so the collectors never scrape the targets the allocator assigns them; add prometheus to the receivers of a metrics pipeline',
      ],
    });
  });

  it('counts the stashed scrape configs once the target_allocator rewrite moved them', () => {
    const object = withSpec(beta, {});
    (object.metadata as JsonObject).annotations = { [Annotations.rewriteMode]: 'target_allocator' };
    const outcome = mutateCollector(object, {
      operation: 'CREATE',
      namespace: 'observability',
      name: 'x',
      settings: { allocatorImage: 'i' },
    });
    expect(outcome.kind).toBe('mutated');
    expect(outcome.kind === 'mutated' && validateCollector(outcome.object)).toEqual({
      allowed: true,
      warnings: [],
    });
  });
});
