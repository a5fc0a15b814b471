import { describe, expect, it } from 'vitest';
import { FIXTURE_ALLOCATOR_IMAGE, storedCollector } from '../../test/e2e/controller-fixtures.js';
import type { KubeObject } from '../k8s/object.js';
import { renderAllocatorConfig } from './allocator-config.js';
import { buildAllocatorManifests } from './allocator-manifests.js';
import { allocatorPermissions, prometheusCrAccess } from './allocator-rbac.js';
import { toCollectorResource } from './collector-resource.js';

type Edit = Parameters<typeof storedCollector>[0];

function render(edit?: Edit): { objects: KubeObject[]; hash: string } {
  const collector = toCollectorResource(storedCollector(edit))!;
  const config = renderAllocatorConfig(collector, { collectorManagedBy: 'opentelemetry-operator' });
  const permissions = allocatorPermissions(collector.namespace, [], false);
  return {
    objects: buildAllocatorManifests(collector, config, permissions, { defaultImage: 'default:1' }),
    hash: config.hash,
  };
}

const byKind = (objects: KubeObject[], kind: string): KubeObject =>
  objects.find((o) => o.kind === kind) ?? expect.fail(`no ${kind} rendered`);

const NAME = 'collector-with-ta-targetallocator';
const SELECTOR = {
  'app.kubernetes.io/component': 'opentelemetry-targetallocator',
  'app.kubernetes.io/instance': 'observability.collector-with-ta',
  'app.kubernetes.io/managed-by': 'otel-ta',
  'app.kubernetes.io/part-of': 'opentelemetry',
};
const LABELS = { ...SELECTOR, 'app.kubernetes.io/name': NAME };
const OWNER = {
  apiVersion: 'opentelemetry.io/v1beta1',
  kind: 'OpenTelemetryCollector',
  name: 'collector-with-ta',
  uid: '00000000-0000-4000-8000-000000000001',
  controller: true,
  blockOwnerDeletion: true,
};
const META = { name: NAME, namespace: 'observability', labels: LABELS, ownerReferences: [OWNER] };

describe('buildAllocatorManifests', () => {
  it('renders the objects in apply order, RBAC before the workload', () => {
    expect(render().objects.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual([
      `ConfigMap/${NAME}`,
      `ServiceAccount/${NAME}`,
      `Role/${NAME}`,
      `RoleBinding/${NAME}`,
      `Deployment/${NAME}`,
      `Service/${NAME}`,
      `PodDisruptionBudget/${NAME}`,
    ]);
  });

  it('renders the Deployment exactly', () => {
    const { objects, hash } = render();
    expect(byKind(objects, 'Deployment')).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: META,
      spec: {
        replicas: 1,
        selector: { matchLabels: SELECTOR },
        template: {
          metadata: { labels: LABELS, annotations: { 'otel-ta.dev/config-hash': hash } },
          spec: {
            serviceAccountName: NAME,
            containers: [
              {
                name: 'ta-container',
                image: FIXTURE_ALLOCATOR_IMAGE,
                args: ['allocator', '--config-file', '/conf/targetallocator.yaml'],
                ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
                env: [
                  {
                    name: 'OTELCOL_NAMESPACE',
                    valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } },
                  },
                ],
                volumeMounts: [
                  { name: 'ta-internal', mountPath: '/conf', readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
                readinessProbe: { httpGet: { path: '/readyz', port: 'http' } },
                livenessProbe: { httpGet: { path: '/livez', port: 'http' } },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  runAsNonRoot: true,
                  capabilities: { drop: ['ALL'] },
                  seccompProfile: { type: 'RuntimeDefault' },
                },
              },
            ],
            volumes: [
              {
                name: 'ta-internal',
                configMap: {
                  name: NAME,
                  items: [{ key: 'targetallocator.yaml', path: 'targetallocator.yaml' }],
                },
              },
              { name: 'tmp', emptyDir: {} },
            ],
            securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          },
        },
      },
    });
  });

  it('renders the Service, the PodDisruptionBudget and the RBAC exactly', () => {
    const { objects } = render();
    expect(byKind(objects, 'Service')).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: META,
      spec: {
        selector: SELECTOR,
        ports: [{ name: 'targetallocation', port: 80, targetPort: 'http', protocol: 'TCP' }],
      },
    });
    expect(byKind(objects, 'PodDisruptionBudget')).toEqual({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: META,
      spec: { maxUnavailable: 1, selector: { matchLabels: SELECTOR } },
    });
    expect(byKind(objects, 'Role')).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: META,
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
    });
    expect(byKind(objects, 'RoleBinding')).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: META,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: NAME },
      subjects: [{ kind: 'ServiceAccount', name: NAME, namespace: 'observability' }],
    });
  });

  it("passes the spec's pod settings through and lets the user's securityContext win", () => {
    const { objects } = render((c) => {
      Object.assign(c.spec.targetAllocator, {
        replicas: 2,
        resources: { limits: { memory: '256Mi' } },
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        tolerations: [{ key: 'dedicated', operator: 'Exists' }],
        affinity: { podAntiAffinity: {} },
        topologySpreadConstraints: [
          { maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' },
        ],
        env: [{ name: 'GOMEMLIMIT', value: '200MiB' }],
        securityContext: { runAsUser: 1000 },
        podSecurityContext: { fsGroup: 2000 },
      });
    });
    const deployment = byKind(objects, 'Deployment') as {
      spec: {
        replicas: number;
        template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[] } };
      };
    };
    const pod = deployment.spec.template.spec;
    expect(deployment.spec.replicas).toBe(2);
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
    expect(pod.tolerations).toEqual([{ key: 'dedicated', operator: 'Exists' }]);
    expect(pod.affinity).toEqual({ podAntiAffinity: {} });
    expect(pod.topologySpreadConstraints).toHaveLength(1);
    expect(pod.securityContext).toEqual({ fsGroup: 2000 });
    expect(pod.containers[0]!.securityContext).toEqual({ runAsUser: 1000 });
    expect(pod.containers[0]!.resources).toEqual({ limits: { memory: '256Mi' } });
    expect(pod.containers[0]!.env).toEqual([
      { name: 'OTELCOL_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'GOMEMLIMIT', value: '200MiB' },
    ]);
  });

  it("uses the user's service account instead of creating one", () => {
    const { objects } = render((c) => (c.spec.targetAllocator.serviceAccount = 'mine'));
    expect(objects.map((o) => o.kind)).not.toContain('ServiceAccount');
    expect(byKind(objects, 'RoleBinding').subjects).toEqual([
      { kind: 'ServiceAccount', name: 'mine', namespace: 'observability' },
    ]);
  });

  it('renders no PodDisruptionBudget for least-weighted, as upstream', () => {
    const { objects } = render(
      (c) => (c.spec.targetAllocator.allocationStrategy = 'least-weighted'),
    );
    expect(objects.map((o) => o.kind)).not.toContain('PodDisruptionBudget');
  });

  it('a changed scrape job changes only the ConfigMap and the pod-template hash', () => {
    const before = render();
    const after = render((c) => {
      c.spec.config.receivers.prometheus.config.scrape_configs[0]!.scrape_interval = '30s';
    });
    expect(after.hash).not.toBe(before.hash);
    const changed = after.objects
      .filter((o, i) => JSON.stringify(o) !== JSON.stringify(before.objects[i]))
      .map((o) => o.kind);
    expect(changed).toEqual(['ConfigMap', 'Deployment']);
  });

  it('adds a ClusterRole and binding, without owner references, when discovery needs cluster scope', () => {
    const collector = toCollectorResource(storedCollector())!;
    const config = renderAllocatorConfig(collector, { collectorManagedBy: 'otel-ta' });
    const permissions = allocatorPermissions(
      'observability',
      [{ job_name: 'nodes', kubernetes_sd_configs: [{ role: 'node' }] }],
      false,
    );
    const objects = buildAllocatorManifests(collector, config, permissions, { defaultImage: 'x' });
    const clusterRole = byKind(objects, 'ClusterRole');
    expect(clusterRole).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: `otel-ta:observability:${NAME}`, labels: LABELS },
      rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch'] }],
    });
    expect(byKind(objects, 'ClusterRoleBinding').roleRef).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: `otel-ta:observability:${NAME}`,
    });
  });

  it('binds the allocator to otel-ta-allocator-secrets in its namespace for Prometheus CR discovery, cluster-wide when secret_namespaces names others', () => {
    const collector = toCollectorResource(storedCollector())!;
    const config = renderAllocatorConfig(collector, { collectorManagedBy: 'otel-ta' });
    const build = (secretNamespaces: string[]): KubeObject[] =>
      buildAllocatorManifests(
        collector,
        config,
        allocatorPermissions(
          'observability',
          [],
          prometheusCrAccess({
            enabled: true,
            service_monitor_selector: {},
            secret_namespaces: secretNamespaces,
          }),
        ),
        { defaultImage: 'x' },
      );
    const roleRef = {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'otel-ta-allocator-secrets',
    };
    const subjects = [{ kind: 'ServiceAccount', name: NAME, namespace: 'observability' }];
    const own = build([]);
    expect(own.find((o) => o.metadata?.name === `${NAME}-secrets`)).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { ...META, name: `${NAME}-secrets` },
      roleRef,
      subjects,
    });
    const rules = (o: KubeObject): unknown => (o as { rules?: unknown }).rules;
    expect(JSON.stringify(own.map(rules))).not.toContain('secrets');
    const others = build(['observability', 'shop']);
    expect(others.find((o) => o.metadata?.name === `${NAME}-secrets`)).toBeUndefined();
    expect(
      others.find((o) => o.metadata?.name === `otel-ta:observability:${NAME}:secrets`),
    ).toEqual({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: `otel-ta:observability:${NAME}:secrets`, labels: LABELS },
      roleRef,
      subjects,
    });
  });
});
