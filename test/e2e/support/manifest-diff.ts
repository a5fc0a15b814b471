/**
 * Compares two renderings of an installation (e.g. `helm template` and `kubectl kustomize`) object
 * by object, and says in words what differs: which object (kind, namespace/name) and which field,
 * with both values. Used by the chart's equivalence test, whose failure must point at the drift.
 */

export interface ManifestObject {
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly [field: string]: unknown;
}

/** `Deployment otel-ta-system/otel-ta-webhook`, `ClusterRole otel-ta-controller`. */
export function objectName(o: ManifestObject): string {
  const ns = o.metadata.namespace;
  return `${o.kind} ${ns === undefined ? '' : `${ns}/`}${o.metadata.name}`;
}

const LIMIT_PER_OBJECT = 10;

/**
 * Every difference between `expected` and `actual`, as lines such as
 * `Deployment otel-ta-system/otel-ta-webhook: spec.replicas: kustomize 2, chart 3` or
 * `ClusterRole otel-ta-secrets: only in kustomize`. Empty when they render the same objects.
 * Order of objects does not matter; order inside lists does (Kubernetes keeps it).
 */
export function manifestDifferences(
  expected: readonly ManifestObject[],
  actual: readonly ManifestObject[],
  labels: { readonly expected: string; readonly actual: string },
): string[] {
  const differences: string[] = [];
  const byName = (objects: readonly ManifestObject[]): Map<string, ManifestObject> => {
    const map = new Map<string, ManifestObject>();
    for (const o of objects) {
      const name = objectName(o);
      if (map.has(name)) differences.push(`${name}: rendered twice by one side`);
      map.set(name, o);
    }
    return map;
  };
  const left = byName(expected);
  const right = byName(actual);
  for (const [name, o] of left) {
    const other = right.get(name);
    if (other === undefined) {
      differences.push(`${name}: only in ${labels.expected}`);
      continue;
    }
    const fields: string[] = [];
    compareValues(o, other, '', fields, labels);
    differences.push(...fields.slice(0, LIMIT_PER_OBJECT).map((f) => `${name}: ${f}`));
    if (fields.length > LIMIT_PER_OBJECT) {
      differences.push(`${name}: ... and ${fields.length - LIMIT_PER_OBJECT} more fields`);
    }
  }
  for (const name of right.keys()) {
    if (!left.has(name)) differences.push(`${name}: only in ${labels.actual}`);
  }
  return differences.sort();
}

function compareValues(
  a: unknown,
  b: unknown,
  path: string,
  out: string[],
  labels: { readonly expected: string; readonly actual: string },
): void {
  if (isRecord(a) && isRecord(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      compareValues(a[key], b[key], path === '' ? key : `${path}.${key}`, out, labels);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      compareValues(a[i], b[i], `${path}[${i}]`, out, labels);
    }
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) {
    out.push(`${path}: ${labels.expected} ${show(a)}, ${labels.actual} ${show(b)}`);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  if (v === undefined) return '(absent)';
  const text = JSON.stringify(v);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
