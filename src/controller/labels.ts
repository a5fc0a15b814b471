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

const LABEL_VALUE_MAX = 63;

/**
 * Where the controller records its collector on an object whose instance label had to be
 * shortened (the label no longer tells the namespace and name apart).
 */
export const COLLECTOR_ANNOTATION = 'otel-ta.dev/collector';

/**
 * `<namespace>.<name>`: upstream's instance label, the same on a collector and its allocator. A
 * label value holds 63 characters at most, so a longer one is shortened exactly as the upstream
 * operator shortens it (the namespace first, then the name, then no non-alphanumeric ends):
 * selectors must match the collector pods it labels.
 */
export function instanceLabel(namespace: string, name: string): string {
  let excess = namespace.length + 1 + name.length - LABEL_VALUE_MAX;
  if (excess <= 0) return `${namespace}.${name}`;
  const cut = (value: string): string => {
    if (excess === 0) return value;
    if (value.length > excess) {
      const kept = value.slice(0, value.length - excess);
      excess = 0;
      return kept;
    }
    excess -= value.length;
    return '';
  };
  const shortened = `${cut(namespace)}.${cut(name)}`;
  return shortened.replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '');
}

/**
 * Metadata `annotations` holding the collector annotation, only where the instance label cannot
 * name the collector itself (spread into an object's metadata).
 */
export function ownerAnnotations(
  namespace: string,
  name: string,
): { annotations?: Record<string, string> } {
  return instanceLabel(namespace, name) === `${namespace}.${name}`
    ? {}
    : { annotations: { [COLLECTOR_ANNOTATION]: `${namespace}/${name}` } };
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
