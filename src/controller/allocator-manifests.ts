import { allocatorName } from '../collector/naming.js';
import { isRecord, type JsonObject } from '../collector/json-value.js';
import type { KubeObject } from '../k8s/object.js';
import { ALLOCATOR_CONFIG_KEY, type AllocatorConfigFile } from './allocator-config.js';
import { ALLOCATOR_SECRETS_CLUSTER_ROLE, type AllocatorPermissions } from './allocator-rbac.js';
import { ownerReference, pickDefined, type CollectorResource } from './collector-resource.js';
import {
  CONFIG_HASH_ANNOTATION,
  Components,
  objectLabels,
  ownerAnnotations,
  selectorLabels,
} from './labels.js';
import { RESTRICTED_CONTAINER_SECURITY, RESTRICTED_POD_SECURITY } from './security-context.js';

export const ALLOCATOR_PORT = 8080;
const CONFIG_DIR = '/conf';

export interface AllocatorManifestOptions {
  /** Used when the collector names no `spec.targetAllocator.image`. */
  readonly defaultImage: string;
}

/** Every object of one collector's allocator, in apply order (RBAC before the pods that need it). */
export function buildAllocatorManifests(
  collector: CollectorResource,
  config: AllocatorConfigFile,
  permissions: AllocatorPermissions,
  options: AllocatorManifestOptions,
): KubeObject[] {
  const name = allocatorName(collector.name);
  const ta = collector.targetAllocator;
  const userServiceAccount =
    typeof ta.serviceAccount === 'string' && ta.serviceAccount !== ''
      ? ta.serviceAccount
      : undefined;
  const serviceAccount = userServiceAccount ?? name;
  const meta = (objectName: string = name): JsonObject => ({
    name: objectName,
    namespace: collector.namespace,
    labels: objectLabels(Components.allocator, collector.namespace, collector.name, name),
    ...ownerAnnotations(collector.namespace, collector.name),
    ownerReferences: [ownerReference(collector)],
  });
  const objects: KubeObject[] = [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta(),
      data: { [ALLOCATOR_CONFIG_KEY]: config.text },
    },
  ];
  if (userServiceAccount === undefined) {
    objects.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta() });
  }
  const subjects = [
    { kind: 'ServiceAccount', name: serviceAccount, namespace: collector.namespace },
  ];
  objects.push(
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta(),
      rules: permissions.namespaced,
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects,
    },
  );
  const clusterName = allocatorClusterRoleName(collector.namespace, collector.name);
  // Cluster-scoped objects cannot name a namespaced owner; the reconciler deletes them itself.
  const clusterMeta = (objectName: string): JsonObject => ({
    name: objectName,
    labels: objectLabels(Components.allocator, collector.namespace, collector.name, name),
    ...ownerAnnotations(collector.namespace, collector.name),
  });
  const secretsRoleRef = {
    apiGroup: 'rbac.authorization.k8s.io',
    kind: 'ClusterRole',
    name: ALLOCATOR_SECRETS_CLUSTER_ROLE,
  };
  if (permissions.secrets === 'namespace') {
    objects.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(allocatorSecretsBindingName(collector.name)),
      roleRef: secretsRoleRef,
      subjects,
    });
  } else if (permissions.secrets === 'cluster') {
    objects.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: clusterMeta(
        allocatorClusterSecretsBindingName(collector.namespace, collector.name),
      ),
      roleRef: secretsRoleRef,
      subjects,
    });
  }
  if (permissions.clusterWide.length > 0) {
    objects.push(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: clusterMeta(clusterName),
        rules: permissions.clusterWide,
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: clusterMeta(clusterName),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterName },
        subjects,
      },
    );
  }
  objects.push(allocatorDeployment(collector, config, serviceAccount, options), {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(),
    spec: {
      selector: selectorLabels(Components.allocator, collector.namespace, collector.name),
      ports: [{ name: 'targetallocation', port: 80, targetPort: 'http', protocol: 'TCP' }],
    },
  });
  if (wantsDisruptionBudget(ta)) {
    objects.push({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta(),
      spec: {
        ...(isRecord(ta.podDisruptionBudget) ? ta.podDisruptionBudget : { maxUnavailable: 1 }),
        selector: {
          matchLabels: selectorLabels(Components.allocator, collector.namespace, collector.name),
        },
      },
    });
  }
  return objects;
}

/** Cluster-wide names must be unique across namespaces. */
export function allocatorClusterRoleName(namespace: string, collectorName: string): string {
  return `otel-ta:${namespace}:${allocatorName(collectorName)}`;
}

/** The RoleBinding that lets the allocator read Secrets in its own namespace. */
export function allocatorSecretsBindingName(collectorName: string): string {
  return `${allocatorName(collectorName)}-secrets`;
}

/** The ClusterRoleBinding that lets the allocator read Secrets in every namespace. */
export function allocatorClusterSecretsBindingName(
  namespace: string,
  collectorName: string,
): string {
  return `${allocatorClusterRoleName(namespace, collectorName)}:secrets`;
}

/** Upstream renders the PDB for the hashing strategies, whose targets survive a pod restart elsewhere. */
function wantsDisruptionBudget(ta: JsonObject): boolean {
  if (isRecord(ta.podDisruptionBudget)) return true;
  const strategy = typeof ta.allocationStrategy === 'string' ? ta.allocationStrategy : '';
  return strategy === '' || strategy === 'consistent-hashing' || strategy === 'per-node';
}

function allocatorDeployment(
  collector: CollectorResource,
  config: AllocatorConfigFile,
  serviceAccount: string,
  options: AllocatorManifestOptions,
): KubeObject {
  const name = allocatorName(collector.name);
  const ta = collector.targetAllocator;
  const labels = objectLabels(Components.allocator, collector.namespace, collector.name, name);
  const env = [
    { name: 'OTELCOL_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    ...(Array.isArray(ta.env) ? (ta.env as unknown[]) : []),
  ];
  const container: JsonObject = {
    name: 'ta-container',
    image: typeof ta.image === 'string' && ta.image !== '' ? ta.image : options.defaultImage,
    args: ['allocator', '--config-file', `${CONFIG_DIR}/${ALLOCATOR_CONFIG_KEY}`],
    ports: [{ name: 'http', containerPort: ALLOCATOR_PORT, protocol: 'TCP' }],
    env,
    volumeMounts: [
      { name: 'ta-internal', mountPath: CONFIG_DIR, readOnly: true },
      { name: 'tmp', mountPath: '/tmp' },
    ],
    readinessProbe: { httpGet: { path: '/readyz', port: 'http' } },
    livenessProbe: { httpGet: { path: '/livez', port: 'http' } },
    securityContext: isRecord(ta.securityContext)
      ? ta.securityContext
      : RESTRICTED_CONTAINER_SECURITY,
    ...pickDefined(ta, ['resources']),
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: collector.namespace,
      labels,
      ...ownerAnnotations(collector.namespace, collector.name),
      ownerReferences: [ownerReference(collector)],
    },
    spec: {
      replicas: typeof ta.replicas === 'number' ? ta.replicas : 1,
      selector: {
        matchLabels: selectorLabels(Components.allocator, collector.namespace, collector.name),
      },
      template: {
        metadata: { labels, annotations: { [CONFIG_HASH_ANNOTATION]: config.hash } },
        spec: {
          serviceAccountName: serviceAccount,
          containers: [container],
          volumes: [
            {
              name: 'ta-internal',
              configMap: {
                name,
                items: [{ key: ALLOCATOR_CONFIG_KEY, path: ALLOCATOR_CONFIG_KEY }],
              },
            },
            { name: 'tmp', emptyDir: {} },
          ],
          securityContext: isRecord(ta.podSecurityContext)
            ? ta.podSecurityContext
            : RESTRICTED_POD_SECURITY,
          ...pickDefined(ta, [
            'nodeSelector',
            'affinity',
            'tolerations',
            'topologySpreadConstraints',
          ]),
        },
      },
    },
  };
}
