import { stringify } from 'yaml';
import { sha256Hex } from '../collector/canonical-json.js';
import { isRecord, type JsonObject } from '../collector/json-value.js';
import type { KubeObject } from '../k8s/object.js';
import { ownerReference, pickDefined, type CollectorResource } from './collector-resource.js';
import {
  CONFIG_HASH_ANNOTATION,
  Components,
  objectLabels,
  ownerAnnotations,
  selectorLabels,
} from './labels.js';
import { RESTRICTED_CONTAINER_SECURITY, RESTRICTED_POD_SECURITY } from './security-context.js';

export const COLLECTOR_CONFIG_KEY = 'collector.yaml';
const CONFIG_DIR = '/conf';
const DEFAULT_METRICS_PORT = 8888;

export interface CollectorManifestOptions {
  /** Used when the collector names no `spec.image`. */
  readonly defaultImage: string;
}

/** `<name>-collector`, as upstream names the collector's workload, ConfigMap, Service and account. */
export function collectorObjectName(collectorName: string): string {
  return `${collectorName.slice(0, 63 - '-collector'.length)}-collector`;
}

/**
 * Standalone mode (no upstream operator in the cluster): the collector's own workload from the
 * stored (already rewritten) collector. The workload kind follows `spec.mode`.
 */
export function buildCollectorManifests(
  collector: CollectorResource,
  options: CollectorManifestOptions,
): KubeObject[] {
  const name = collectorObjectName(collector.name);
  const spec = collector.spec;
  const configText = stringify(isRecord(spec.config) ? spec.config : {}, {
    aliasDuplicateObjects: false,
    lineWidth: 0,
  });
  const labels = objectLabels(Components.collector, collector.namespace, collector.name, name);
  const selector = selectorLabels(Components.collector, collector.namespace, collector.name);
  const meta = {
    name,
    namespace: collector.namespace,
    labels,
    ...ownerAnnotations(collector.namespace, collector.name),
    ownerReferences: [ownerReference(collector)],
  };
  const userServiceAccount =
    typeof spec.serviceAccount === 'string' && spec.serviceAccount !== ''
      ? spec.serviceAccount
      : undefined;
  const ports = collectorPorts(spec);
  const objects: KubeObject[] = [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta,
      data: { [COLLECTOR_CONFIG_KEY]: configText },
    },
  ];
  if (userServiceAccount === undefined) {
    objects.push({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta });
  }
  objects.push({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta,
    spec: {
      selector,
      ports: ports.map((p) => ({
        name: p.name,
        port: p.containerPort,
        targetPort: p.name,
        protocol: p.protocol,
      })),
    },
  });
  const podTemplate = {
    metadata: { labels, annotations: { [CONFIG_HASH_ANNOTATION]: sha256Hex(configText) } },
    spec: {
      serviceAccountName: userServiceAccount ?? name,
      containers: [
        {
          name: 'otc-container',
          image:
            typeof spec.image === 'string' && spec.image !== '' ? spec.image : options.defaultImage,
          args: [`--config=${CONFIG_DIR}/${COLLECTOR_CONFIG_KEY}`],
          ports,
          env: withPodName(Array.isArray(spec.env) ? spec.env : []),
          volumeMounts: [{ name: 'otc-internal', mountPath: CONFIG_DIR, readOnly: true }],
          securityContext: isRecord(spec.securityContext)
            ? spec.securityContext
            : RESTRICTED_CONTAINER_SECURITY,
          ...pickDefined(spec, ['resources']),
        },
      ],
      volumes: [
        {
          name: 'otc-internal',
          configMap: { name, items: [{ key: COLLECTOR_CONFIG_KEY, path: COLLECTOR_CONFIG_KEY }] },
        },
      ],
      securityContext: isRecord(spec.podSecurityContext)
        ? spec.podSecurityContext
        : RESTRICTED_POD_SECURITY,
      ...pickDefined(spec, [
        'nodeSelector',
        'affinity',
        'tolerations',
        'topologySpreadConstraints',
      ]),
    },
  };
  objects.push(workload(collector, meta, selector, podTemplate));
  return objects;
}

function workload(
  collector: CollectorResource,
  metadata: JsonObject,
  selector: Record<string, string>,
  template: JsonObject,
): KubeObject {
  const mode = typeof collector.spec.mode === 'string' ? collector.spec.mode : 'deployment';
  const replicas = typeof collector.spec.replicas === 'number' ? collector.spec.replicas : 1;
  const base = { apiVersion: 'apps/v1', metadata };
  switch (mode) {
    case 'statefulset':
      return {
        ...base,
        kind: 'StatefulSet',
        spec: {
          replicas,
          serviceName: metadata.name,
          podManagementPolicy: 'Parallel',
          selector: { matchLabels: selector },
          template,
        },
      };
    case 'daemonset':
      return {
        ...base,
        kind: 'DaemonSet',
        spec: { selector: { matchLabels: selector }, template },
      };
    default:
      return {
        ...base,
        kind: 'Deployment',
        spec: { replicas, selector: { matchLabels: selector }, template },
      };
  }
}

interface ContainerPort {
  name: string;
  containerPort: number;
  protocol: string;
}

/** `spec.ports` as the user listed them, plus the collector's own metrics port. */
function collectorPorts(spec: JsonObject): ContainerPort[] {
  const ports: ContainerPort[] = [];
  for (const p of Array.isArray(spec.ports) ? spec.ports : []) {
    if (!isRecord(p) || typeof p.name !== 'string' || typeof p.port !== 'number') continue;
    ports.push({
      name: p.name,
      containerPort: typeof p.targetPort === 'number' ? p.targetPort : p.port,
      protocol: typeof p.protocol === 'string' ? p.protocol : 'TCP',
    });
  }
  if (!ports.some((p) => p.name === 'metrics')) {
    ports.push({ name: 'metrics', containerPort: DEFAULT_METRICS_PORT, protocol: 'TCP' });
  }
  return ports;
}

/** Collectors name themselves to the allocator by pod name (`${env:POD_NAME}`). */
function withPodName(env: unknown[]): unknown[] {
  const has = env.some((e) => isRecord(e) && e.name === 'POD_NAME');
  return has
    ? env
    : [...env, { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }];
}
