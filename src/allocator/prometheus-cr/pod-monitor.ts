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

/**
 * A PodMonitor as prometheus-operator turns it into scrape configs: one job per
 * podMetricsEndpoint, `podMonitor/<namespace>/<name>/<index>`, discovering with the `pod` role.
 */
export function translatePodMonitor(obj: KubeObject, ctx: TranslationContext): MonitorTranslation {
  const monitor = monitorIdentity(obj);
  const { spec } = monitor;
  const selector = spec.object('selector');
  if (selector === undefined) throw new MonitorError('spec.selector is required');
  const selectorKeep = selectorRules(selector, 'pod');
  const jobLabel = spec.string('jobLabel');
  const labelRules = copyLabelRules(spec, 'podTargetLabels', 'pod');
  const defaultJob = `${monitor.namespace}/${monitor.name}`;
  return translateEndpoints(
    monitor,
    {
      jobPrefix: 'podMonitor',
      endpointsKey: 'podMetricsEndpoints',
      role: 'pod',
      extraFields: limitFields(spec),
      buildRules: (ep) => [
        ...runningRule(ep),
        ...selectorKeep,
        ...portRules(ep),
        { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
        { source_labels: ['__meta_kubernetes_pod_container_name'], target_label: 'container' },
        { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
        ...labelRules,
        { target_label: 'job', replacement: defaultJob },
        ...(jobLabel === undefined || jobLabel === ''
          ? []
          : [
              {
                source_labels: [`__meta_kubernetes_pod_label_${sanitizeLabelName(jobLabel)}`],
                target_label: 'job',
                regex: '(.+)',
                replacement: '${1}',
              },
            ]),
        ...endpointLabelRule(ep),
      ],
    },
    ctx,
  );
}

/** The container port to scrape: by name (`port`), by number (`portNumber`), or `targetPort`. */
function portRules(ep: SpecReader): RelabelRule[] {
  const port = portOf(ep);
  if (port === undefined) return [];
  return [
    typeof port === 'string'
      ? {
          action: 'keep',
          source_labels: ['__meta_kubernetes_pod_container_port_name'],
          regex: port,
        }
      : {
          action: 'keep',
          source_labels: ['__meta_kubernetes_pod_container_port_number'],
          regex: String(port),
        },
  ];
}

function portOf(ep: SpecReader): string | number | undefined {
  const port = ep.string('port');
  if (port !== undefined && port !== '') return port;
  const number = ep.integer('portNumber');
  if (number !== undefined && number > 0) return number;
  return ep.intOrString('targetPort');
}

function endpointLabelRule(ep: SpecReader): RelabelRule[] {
  const port = portOf(ep);
  return port === undefined ? [] : [{ target_label: 'endpoint', replacement: String(port) }];
}
