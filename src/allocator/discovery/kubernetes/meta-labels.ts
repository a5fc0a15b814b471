import type { Meta } from './kube-types.js';

/** The prefix of every label Kubernetes discovery attaches. */
export const META = '__meta_kubernetes_';
export const NAMESPACE_LABEL = `${META}namespace`;

/** Prometheus's label-name sanitising: every character outside [a-zA-Z0-9_] becomes `_`. */
export function sanitizeLabelName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}

/**
 * Adds `<role>_name`, `<role>_label_<k>`, `<role>_labelpresent_<k>`, `<role>_annotation_<k>` and
 * `<role>_annotationpresent_<k>` for an object's metadata, as every role does.
 */
export function addObjectMetaLabels(
  labels: Record<string, string>,
  meta: Meta | undefined,
  role: string,
): void {
  const prefix = `${META}${role}_`;
  labels[`${prefix}name`] = meta?.name ?? '';
  for (const [k, v] of Object.entries(meta?.labels ?? {})) {
    const name = sanitizeLabelName(k);
    labels[`${prefix}label_${name}`] = v;
    labels[`${prefix}labelpresent_${name}`] = 'true';
  }
  for (const [k, v] of Object.entries(meta?.annotations ?? {})) {
    const name = sanitizeLabelName(k);
    labels[`${prefix}annotation_${name}`] = v;
    labels[`${prefix}annotationpresent_${name}`] = 'true';
  }
}

/** `host:port` as Go's net.JoinHostPort writes it: IPv6 hosts are bracketed. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function namespacedKey(namespace: string | undefined, name: string | undefined): string {
  return `${namespace ?? ''}/${name ?? ''}`;
}
