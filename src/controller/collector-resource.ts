import { isRecord, type JsonObject } from '../collector/json-value.js';
import { Annotations } from '../collector/annotations.js';
import type { OwnerReference } from '../k8s/object.js';

/**
 * What the controller reads from a stored v1beta1 OpenTelemetryCollector. Pod-level settings are
 * passed through as the user wrote them (the API server validated them against the CRD schema);
 * only what the controller decides on is typed.
 */
export interface CollectorResource {
  readonly apiVersion: string;
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly annotations: Readonly<Record<string, string>>;
  readonly spec: JsonObject;
  readonly targetAllocator: JsonObject;
  readonly deleting: boolean;
}

export function toCollectorResource(object: unknown): CollectorResource | undefined {
  if (!isRecord(object) || !isRecord(object.metadata)) return undefined;
  const { name, namespace, uid, annotations, deletionTimestamp } = object.metadata;
  if (typeof name !== 'string' || typeof namespace !== 'string' || typeof uid !== 'string') {
    return undefined;
  }
  const spec = isRecord(object.spec) ? object.spec : {};
  return {
    apiVersion:
      typeof object.apiVersion === 'string' ? object.apiVersion : 'opentelemetry.io/v1beta1',
    name,
    namespace,
    uid,
    annotations: stringMap(annotations),
    spec,
    targetAllocator: isRecord(spec.targetAllocator) ? spec.targetAllocator : {},
    deleting: typeof deletionTimestamp === 'string',
  };
}

/**
 * The allocator runs when the spec enables it or the opt-in annotation asks for it, unless the
 * opt-out annotation says to leave this collector alone.
 */
export function allocatorEnabled(collector: CollectorResource): boolean {
  if (collector.deleting) return false;
  if (collector.annotations[Annotations.inject] === 'false') return false;
  return (
    collector.targetAllocator.enabled === true ||
    collector.annotations[Annotations.enable] === 'true'
  );
}

export function ownerReference(collector: CollectorResource): OwnerReference {
  return {
    apiVersion: collector.apiVersion,
    kind: 'OpenTelemetryCollector',
    name: collector.name,
    uid: collector.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function stringMap(value: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  if (!isRecord(value)) return result;
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') result[k] = v;
  return result;
}

/** Copies the keys of `source` that are set (not undefined/null) into a new object. */
export function pickDefined(source: JsonObject, keys: readonly string[]): JsonObject {
  const result: JsonObject = {};
  for (const key of keys) {
    const value = source[key];
    if (value !== undefined && value !== null) result[key] = value;
  }
  return result;
}
