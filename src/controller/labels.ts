/** The `app.kubernetes.io/managed-by` value on everything this controller creates. */
export const MANAGED_BY = 'otel-ta';
/** What the upstream operator puts on the collector pods it runs. */
export const UPSTREAM_MANAGED_BY = 'opentelemetry-operator';
export const FIELD_MANAGER = 'otel-ta';
export const CONFIG_HASH_ANNOTATION = 'otel-ta.dev/config-hash';

export const Components = {
  allocator: 'opentelemetry-targetallocator',
  collector: 'opentelemetry-collector',
} as const;
export type Component = (typeof Components)[keyof typeof Components];

/** `<namespace>.<name>`: upstream's instance label, the same on a collector and its allocator. */
export function instanceLabel(namespace: string, name: string): string {
  return `${namespace}.${name}`;
}

/** The labels a workload's selector uses; they never change, so selectors stay immutable. */
export function selectorLabels(
  component: Component,
  namespace: string,
  name: string,
  managedBy: string = MANAGED_BY,
): Record<string, string> {
  return {
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/instance': instanceLabel(namespace, name),
    'app.kubernetes.io/managed-by': managedBy,
    'app.kubernetes.io/part-of': 'opentelemetry',
  };
}

/** Labels of an object we create: the selector labels plus its own name. */
export function objectLabels(
  component: Component,
  namespace: string,
  collectorName: string,
  objectName: string,
): Record<string, string> {
  return {
    ...selectorLabels(component, namespace, collectorName),
    'app.kubernetes.io/name': objectName,
  };
}
