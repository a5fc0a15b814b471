import type { KubeObject } from '../../k8s/object.js';
import { MonitorError } from './monitor-error.js';
import {
  copyLabelRules,
  limitFields,
  monitorIdentity,
  runningRule,
  translateEndpoints,
  type MonitorTranslation,
  type TranslationContext,
} from './monitor-translation.js';
import { sanitizeLabelName, selectorRules, type RelabelRule } from './relabel-rules.js';
import type { SpecReader } from './spec-reader.js';

const ES = '__meta_kubernetes_endpointslice_';

/**
 * A ServiceMonitor as prometheus-operator turns it into scrape configs: one job per endpoint,
 * `serviceMonitor/<namespace>/<name>/<index>`. Discovery uses the `endpointslice` role (the
 * operator's default is `endpoints`): the Endpoints API is deprecated since Kubernetes 1.33 and
 * truncates services beyond 1000 addresses, and the labels the rules produce are the same.
 */
export function translateServiceMonitor(
  obj: KubeObject,
  ctx: TranslationContext,
): MonitorTranslation {
  const monitor = monitorIdentity(obj);
  const { spec } = monitor;
  const selector = spec.object('selector');
  if (selector === undefined) throw new MonitorError('spec.selector is required');
  const selectorKeep = selectorRules(selector, 'service');
  const jobLabel = spec.string('jobLabel');
  const labelRules = [
    ...copyLabelRules(spec, 'targetLabels', 'service'),
    ...copyLabelRules(spec, 'podTargetLabels', 'pod'),
  ];
  return translateEndpoints(
    monitor,
    {
      jobPrefix: 'serviceMonitor',
      endpointsKey: 'endpoints',
      role: 'endpointslice',
      extraFields: limitFields(spec),
      buildRules: (ep) => [
        ...selectorKeep,
        ...portRules(ep),
        ...targetRefRules(),
        ...runningRule(ep),
        { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
        { source_labels: ['__meta_kubernetes_service_name'], target_label: 'service' },
        { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
        { source_labels: ['__meta_kubernetes_pod_container_name'], target_label: 'container' },
        ...labelRules,
        ...jobRules(jobLabel),
        ...endpointLabelRule(ep),
      ],
    },
    ctx,
  );
}

/** `port` keeps the service port of that name; `targetPort` the pod container port. */
function portRules(ep: SpecReader): RelabelRule[] {
  const port = ep.string('port');
  if (port !== undefined && port !== '') {
    return [{ action: 'keep', source_labels: [`${ES}port_name`], regex: port }];
  }
  const targetPort = ep.intOrString('targetPort');
  if (targetPort === undefined) return [];
  return [
    typeof targetPort === 'string'
      ? {
          action: 'keep',
          source_labels: ['__meta_kubernetes_pod_container_port_name'],
          regex: targetPort,
        }
      : {
          action: 'keep',
          source_labels: ['__meta_kubernetes_pod_container_port_number'],
          regex: String(targetPort),
        },
  ];
}

/** `node` or `pod` from the address's target reference. */
function targetRefRules(): RelabelRule[] {
  const sources = [`${ES}address_target_kind`, `${ES}address_target_name`];
  return [
    {
      source_labels: sources,
      separator: ';',
      regex: 'Node;(.*)',
      replacement: '${1}',
      target_label: 'node',
    },
    {
      source_labels: sources,
      separator: ';',
      regex: 'Pod;(.*)',
      replacement: '${1}',
      target_label: 'pod',
    },
  ];
}

function jobRules(jobLabel: string | undefined): RelabelRule[] {
  const rules: RelabelRule[] = [
    { source_labels: ['__meta_kubernetes_service_name'], target_label: 'job', replacement: '${1}' },
  ];
  if (jobLabel !== undefined && jobLabel !== '') {
    rules.push({
      source_labels: [`__meta_kubernetes_service_label_${sanitizeLabelName(jobLabel)}`],
      target_label: 'job',
      regex: '(.+)',
      replacement: '${1}',
    });
  }
  return rules;
}

function endpointLabelRule(ep: SpecReader): RelabelRule[] {
  const port = ep.string('port');
  const name = port !== undefined && port !== '' ? port : ep.intOrString('targetPort');
  return name === undefined ? [] : [{ target_label: 'endpoint', replacement: String(name) }];
}
