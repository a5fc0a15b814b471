import type { Labels, TargetGroup } from '../../model.js';
import type { Ingress } from './kube-types.js';
import { META, NAMESPACE_LABEL, addObjectMetaLabels } from './meta-labels.js';

const ING = `${META}ingress_`;
const CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

export function ingressSource(namespace: string, name: string): string {
  return `ingress/${namespace}/${name}`;
}

/** True when a TLS host pattern covers `host`; `*.example.com` covers exactly one more label. */
function tlsCovers(pattern: string, host: string): boolean {
  if (pattern === host) return true;
  if (!pattern.startsWith('*.')) return false;
  const dot = host.indexOf('.');
  return dot > 0 && host.slice(dot) === pattern.slice(1);
}

/**
 * role: ingress. One target per rule path, address = the rule's host; the scheme is https when a
 * TLS entry covers the host. A rule without HTTP paths counts as path `/`.
 */
export function buildIngressGroup(ingress: Ingress): TargetGroup {
  const namespace = ingress.metadata?.namespace ?? '';
  const labels: Record<string, string> = { [NAMESPACE_LABEL]: namespace };
  addObjectMetaLabels(labels, ingress.metadata, 'ingress');
  const className =
    ingress.spec?.ingressClassName ?? ingress.metadata?.annotations?.[CLASS_ANNOTATION];
  if (className !== undefined) labels[`${ING}class_name`] = className;
  const tlsHosts = (ingress.spec?.tls ?? []).flatMap((t) => t.hosts ?? []);
  const targets: Labels[] = [];
  for (const rule of ingress.spec?.rules ?? []) {
    const host = rule.host ?? '';
    const scheme = tlsHosts.some((p) => tlsCovers(p, host)) ? 'https' : 'http';
    const paths = (rule.http?.paths ?? []).map((p) => ((p.path ?? '') === '' ? '/' : p.path!));
    for (const path of paths.length === 0 ? ['/'] : paths) {
      targets.push({
        __address__: host,
        [`${ING}scheme`]: scheme,
        [`${ING}host`]: host,
        [`${ING}path`]: path,
      });
    }
  }
  return {
    source: ingressSource(namespace, ingress.metadata?.name ?? ''),
    targets,
    labels,
  };
}
