import type { Labels, TargetGroup } from '../../model.js';
import type { Service } from './kube-types.js';
import { META, NAMESPACE_LABEL, addObjectMetaLabels, joinHostPort } from './meta-labels.js';

export function serviceSource(namespace: string, name: string): string {
  return `svc/${namespace}/${name}`;
}

/** Namespace, name, labels and annotations of a service; also attached by endpoints roles. */
export function serviceLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = { [NAMESPACE_LABEL]: svc.metadata?.namespace ?? '' };
  addObjectMetaLabels(labels, svc.metadata, 'service');
  return labels;
}

/** role: service. One target per service port at `<name>.<namespace>.svc:<port>`. */
export function buildServiceGroup(svc: Service): TargetGroup {
  const namespace = svc.metadata?.namespace ?? '';
  const name = svc.metadata?.name ?? '';
  const type = svc.spec?.type ?? '';
  const targets: Labels[] = (svc.spec?.ports ?? []).map((port) => {
    const number = String(port.port ?? 0);
    const target: Record<string, string> = {
      __address__: joinHostPort(`${name}.${namespace}.svc`, number),
      [`${META}service_port_name`]: port.name ?? '',
      [`${META}service_port_number`]: number,
      [`${META}service_port_protocol`]: port.protocol ?? '',
      [`${META}service_type`]: type,
    };
    if (type === 'ExternalName') {
      target[`${META}service_external_name`] = svc.spec?.externalName ?? '';
    } else {
      target[`${META}service_cluster_ip`] = svc.spec?.clusterIP ?? '';
    }
    return target;
  });
  return { source: serviceSource(namespace, name), targets, labels: serviceLabels(svc) };
}
