import type { Labels, TargetGroup } from '../../model.js';
import type { Ingress, IngressRule } from './kube-types.js';
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
  const targets = (ingress.spec?.rules ?? []).flatMap((rule) => ruleTargets(rule, tlsHosts));
  return {
    source: ingressSource(namespace, ingress.metadata?.name ?? ''),
    targets,
    labels,
  };
}

/** An empty path means the whole host. */
function pathOrRoot(path: string | undefined): string {
  return path === undefined || path === '' ? '/' : path;
}

function ruleTargets(rule: IngressRule, tlsHosts: readonly string[]): Labels[] {
  const host = rule.host ?? '';
  const scheme = tlsHosts.some((p) => tlsCovers(p, host)) ? 'https' : 'http';
  const paths = (rule.http?.paths ?? []).map((p) => pathOrRoot(p.path));
  return (paths.length === 0 ? ['/'] : paths).map((path) => ({
    __address__: host,
    [`${ING}scheme`]: scheme,
    [`${ING}host`]: host,
    [`${ING}path`]: path,
  }));
}
