import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { evaluatePolicy } from './evaluate-policy.js';
import { parsePolicy } from './parse-policy.js';
import { EMPTY_POLICY } from './policy.js';

const PROMETHEUS_CONFIG = `receivers:
  prometheus:
    config:
      scrape_configs:
      - job_name: app
        static_configs:
        - targets: ['app:8080']
exporters:
  debug: {}
service:
  pipelines:
    metrics: {receivers: [prometheus], exporters: [debug]}
`;

interface CollectorShape {
  name?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  spec?: Record<string, unknown>;
}

/** A v1alpha1 collector: 3 statefulset replicas, a prometheus receiver, no allocator. */
function collector(shape: CollectorShape = {}): unknown {
  return {
    apiVersion: 'opentelemetry.io/v1alpha1',
    kind: 'OpenTelemetryCollector',
    metadata: {
      name: shape.name ?? 'pool',
      labels: shape.labels ?? {},
      annotations: shape.annotations ?? {},
    },
    spec: { mode: 'statefulset', replicas: 3, config: PROMETHEUS_CONFIG, ...shape.spec },
  };
}

function policy(yaml: string) {
  return parsePolicy(parse(yaml));
}

const ENFORCE_ALL = policy(`rules: [{name: everywhere, outOfOrder: enforce}]`);

describe('evaluatePolicy: the out-of-order root cause', () => {
  it('denies a multi-replica collector with a prometheus receiver under enforce, explaining consequence and fix', () => {
    const decision = evaluatePolicy(ENFORCE_ALL, collector(), { namespace: 'team-a' });
    expect(decision.outOfOrderRisk).toBe(true);
    expect(decision.denials).toHaveLength(1);
    const message = decision.denials[0]!;
    expect(message).toContain('team-a/pool runs 3 replicas');
    expect(message).toContain('every replica scrapes every target');
    expect(message).toContain('out-of-order');
    expect(message).toContain('spec.targetAllocator.enabled: true');
    expect(message).toContain('otel-ta.dev/enable: "true"');
    expect(message).toContain('spec.replicas: 1');
    expect(message).toContain('"everywhere"');
  });

  it('returns the same text as a warning under warn, and allows', () => {
    const decision = evaluatePolicy(policy(`rules: [{outOfOrder: warn}]`), collector(), {
      namespace: 'a',
    });
    expect(decision.denials).toEqual([]);
    expect(decision.warnings[0]).toContain('every replica scrapes every target');
    expect(decision.rule).toBe('rules[0]');
  });

  it('asks the mutation to enable the allocator under mutate', () => {
    const decision = evaluatePolicy(policy(`rules: [{outOfOrder: mutate}]`), collector(), {
      namespace: 'a',
    });
    expect(decision.forceEnable).toBe(true);
    expect(decision.denials).toEqual([]);
    expect(decision.warnings[0]).toContain('enabled the target allocator');
  });

  it('does not force the allocator on a collector that opts out, but warns', () => {
    const decision = evaluatePolicy(
      policy(`rules: [{outOfOrder: mutate}]`),
      collector({ annotations: { 'otel-ta.dev/inject': 'false' } }),
      { namespace: 'a' },
    );
    expect(decision.forceEnable).toBe(false);
    expect(decision.warnings[0]).toContain('opts out');
  });

  it('does not force the allocator on a collector that disables it explicitly, but warns', () => {
    const decision = evaluatePolicy(
      policy(`rules: [{outOfOrder: mutate}]`),
      collector({ spec: { targetAllocator: { enabled: false } } }),
      { namespace: 'a' },
    );
    expect(decision.forceEnable).toBe(false);
    expect(decision.warnings[0]).toContain('spec.targetAllocator.enabled is false');
  });

  it('does not force the allocator on a collector whose only prometheus receiver is named, which the allocator cannot serve, and says to rename it', () => {
    const decision = evaluatePolicy(
      policy(`rules: [{outOfOrder: mutate}]`),
      collector({
        spec: { config: PROMETHEUS_CONFIG.replaceAll('prometheus', 'prometheus/apps') },
      }),
      { namespace: 'a' },
    );
    expect(decision.outOfOrderRisk).toBe(true);
    expect(decision.forceEnable).toBe(false);
    expect(decision.warnings).toHaveLength(1);
    expect(decision.warnings[0]).toContain('every replica scrapes every target');
    expect(decision.warnings[0]).toContain(
      '(not enabled automatically: the target allocator serves only the receiver named "prometheus"; rename receivers.prometheus/apps to prometheus to let the policy enable it)',
    );
  });

  it('does not force the allocator on a deployment, which cannot run one, and says to switch to a statefulset', () => {
    const decision = evaluatePolicy(
      policy(`rules: [{outOfOrder: mutate}]`),
      collector({ spec: { mode: 'deployment' } }),
      { namespace: 'a' },
    );
    expect(decision.forceEnable).toBe(false);
    expect(decision.warnings[0]).toContain('spec.mode: statefulset');
  });

  it.each([
    ['a single replica', { replicas: 1 }, false],
    ['no replicas field (default 1)', { replicas: undefined }, false],
    ['an autoscaler that may scale out', { replicas: 1, autoscaler: { maxReplicas: 4 } }, true],
    ['a v1alpha1 maxReplicas', { replicas: 1, maxReplicas: 2 }, true],
    ['a daemonset', { mode: 'daemonset', replicas: undefined }, true],
    ['a sidecar', { mode: 'sidecar' }, false],
    ['the allocator enabled', { targetAllocator: { enabled: true } }, false],
    ['no prometheus receiver', { config: 'receivers: {otlp: {}}' }, false],
    [
      'a named prometheus receiver',
      { config: 'receivers: {"prometheus/own": {config: {}}}' },
      true,
    ],
    ['a v1beta1 object config', { config: { receivers: { prometheus: { config: {} } } } }, true],
    ['a config that is not YAML', { config: 'receivers: [unclosed' }, false],
  ])('judges the risk of %s', (_label, spec, risky) => {
    const decision = evaluatePolicy(ENFORCE_ALL, collector({ spec }), { namespace: 'a' });
    expect(decision.outOfOrderRisk).toBe(risky);
    expect(decision.denials.length > 0).toBe(risky);
  });

  it('counts the opt-in annotation as enabling the allocator', () => {
    const decision = evaluatePolicy(
      ENFORCE_ALL,
      collector({ annotations: { 'otel-ta.dev/enable': 'true' } }),
      {
        namespace: 'a',
      },
    );
    expect(decision.denials).toEqual([]);
  });

  it('does not count the opt-in annotation when spec.targetAllocator.enabled is false, which the mutation never flips', () => {
    const decision = evaluatePolicy(
      ENFORCE_ALL,
      collector({
        annotations: { 'otel-ta.dev/enable': 'true' },
        spec: { targetAllocator: { enabled: false } },
      }),
      { namespace: 'a' },
    );
    expect(decision.outOfOrderRisk).toBe(true);
    expect(decision.denials).toHaveLength(1);
    expect(decision.denials[0]).toContain('every replica scrapes every target');
  });

  it('describes a daemonset and an autoscaler in their own terms', () => {
    const daemonset = evaluatePolicy(ENFORCE_ALL, collector({ spec: { mode: 'daemonset' } }), {
      namespace: 'a',
    });
    expect(daemonset.denials[0]).toContain('one pod per node');
    expect(daemonset.denials[0]).toContain('per-node');
    const scaled = evaluatePolicy(
      ENFORCE_ALL,
      collector({ spec: { replicas: 2, autoscaler: { maxReplicas: 6 } } }),
      {
        namespace: 'a',
      },
    );
    expect(scaled.denials[0]).toContain('may scale to 6 replicas');
  });
});

describe('evaluatePolicy: scope', () => {
  const scoped = policy(`
exemptNamespaces: [kube-system]
rules:
- name: prod
  match: {namespaces: [prod], namespaceRegex: "team-.*", objectSelector: {matchLabels: {tier: edge}}}
  outOfOrder: enforce
- name: rest
  outOfOrder: warn
`);

  it('applies nothing in an exempt namespace', () => {
    const decision = evaluatePolicy(
      policy(`exemptNamespaces: [kube-system]\nrules: [{outOfOrder: enforce}]`),
      collector(),
      {
        namespace: 'kube-system',
      },
    );
    expect(decision).toMatchObject({ exempt: true, denials: [], warnings: [], forceEnable: false });
  });

  it('lets the first matching rule win', () => {
    const edge = collector({ labels: { tier: 'edge' } });
    expect(evaluatePolicy(scoped, edge, { namespace: 'prod' }).rule).toBe('prod');
    expect(evaluatePolicy(scoped, edge, { namespace: 'team-x' }).rule).toBe('prod');
    expect(evaluatePolicy(scoped, edge, { namespace: 'my-team-x' }).rule).toBe('rest');
    expect(evaluatePolicy(scoped, collector(), { namespace: 'prod' }).rule).toBe('rest');
  });

  it('matches selector expressions with Kubernetes semantics', () => {
    const withExpressions = policy(`
rules:
- match:
    objectSelector:
      matchExpressions:
      - {key: tier, operator: In, values: [edge, gateway]}
      - {key: legacy, operator: DoesNotExist}
  outOfOrder: enforce
`);
    const judge = (labels: Record<string, string>) =>
      evaluatePolicy(withExpressions, collector({ labels }), { namespace: 'a' }).rule;
    expect(judge({ tier: 'gateway' })).toBe('rules[0]');
    expect(judge({ tier: 'gateway', legacy: 'yes' })).toBeUndefined();
    expect(judge({ tier: 'batch' })).toBeUndefined();
  });

  it('decides nothing when no rule matches', () => {
    const decision = evaluatePolicy(EMPTY_POLICY, collector(), { namespace: 'a' });
    expect(decision).toMatchObject({
      rule: undefined,
      forceEnable: false,
      denials: [],
      warnings: [],
    });
  });
});

describe('evaluatePolicy: allocator constraints', () => {
  const constrained = policy(`
rules:
- outOfOrder: ignore
  allowedStrategies: [consistent-hashing, per-node]
  allowedImagePrefixes: [registry.example.com/]
  maxAllocatorReplicas: 2
`);
  const enabled = (targetAllocator: Record<string, unknown>) =>
    collector({ spec: { targetAllocator: { enabled: true, ...targetAllocator } } });

  it('allows an allocator within every constraint', () => {
    const decision = evaluatePolicy(
      constrained,
      enabled({
        allocationStrategy: 'per-node',
        image: 'registry.example.com/otel-ta:1',
        replicas: 2,
      }),
      { namespace: 'a' },
    );
    expect(decision.denials).toEqual([]);
  });

  it('denies a disallowed strategy, image and replica count, each with its fix', () => {
    const decision = evaluatePolicy(
      constrained,
      enabled({ allocationStrategy: 'least-weighted', image: 'docker.io/evil:1', replicas: 5 }),
      { namespace: 'a' },
    );
    expect(decision.denials).toHaveLength(3);
    expect(decision.denials[0]).toContain('one of consistent-hashing, per-node');
    expect(decision.denials[1]).toContain('starting with registry.example.com/');
    expect(decision.denials[2]).toContain('set spec.targetAllocator.replicas to 2 or fewer');
  });

  it('checks the default strategy when none is set', () => {
    const onlyPerNode = policy(`rules: [{allowedStrategies: [per-node]}]`);
    expect(evaluatePolicy(onlyPerNode, enabled({}), { namespace: 'a' }).denials[0]).toContain(
      'consistent-hashing',
    );
  });

  it('turns violations into warnings with constraintAction warn', () => {
    const lenient = policy(`rules: [{maxAllocatorReplicas: 1, constraintAction: warn}]`);
    const decision = evaluatePolicy(lenient, enabled({ replicas: 3 }), { namespace: 'a' });
    expect(decision.denials).toEqual([]);
    expect(decision.warnings).toHaveLength(1);
  });

  it('ignores the constraints for a collector without an allocator', () => {
    expect(
      evaluatePolicy(constrained, collector({ spec: { replicas: 1 } }), { namespace: 'a' }).denials,
    ).toEqual([]);
  });
});
