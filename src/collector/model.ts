import { getPath, isRecord, readAnnotations, type JsonObject } from './json-value.js';

export const COLLECTOR_GROUP = 'opentelemetry.io';
export const COLLECTOR_KIND = 'OpenTelemetryCollector';
export const API_VERSIONS = {
  v1alpha1: `${COLLECTOR_GROUP}/v1alpha1`,
  v1beta1: `${COLLECTOR_GROUP}/v1beta1`,
} as const;
export type CollectorApiVersion = (typeof API_VERSIONS)[keyof typeof API_VERSIONS];

/** The CRD's default mode when `spec.mode` is absent. */
export const DEFAULT_MODE = 'deployment';

/** Where the collector config lives: a YAML string (v1alpha1) or an object (v1beta1). */
export type ConfigSource =
  | { readonly kind: 'string'; readonly text: string }
  | { readonly kind: 'object'; readonly value: JsonObject }
  | { readonly kind: 'absent' }
  | { readonly kind: 'invalid'; readonly found: string };

export interface TargetAllocatorSpec {
  /** The raw `spec.targetAllocator` value (undefined when absent). */
  readonly raw: unknown;
  readonly enabled: boolean | undefined;
  readonly replicas: unknown;
  readonly image: unknown;
  readonly allocationStrategy: string | undefined;
  readonly filterStrategy: string | undefined;
  readonly prometheusCREnabled: boolean;
}

/** A read-only view of an OpenTelemetryCollector of either served version. */
export interface CollectorView {
  readonly apiVersion: CollectorApiVersion;
  readonly name: string | undefined;
  readonly namespace: string | undefined;
  readonly annotations: Readonly<Record<string, string>>;
  /** `spec.mode`, or the CRD default `deployment`. */
  readonly mode: string;
  readonly replicas: unknown;
  readonly targetAllocator: TargetAllocatorSpec;
  readonly config: ConfigSource;
}

/** True for any version of `opentelemetry.io` `OpenTelemetryCollector`. */
export function isCollectorObject(object: unknown): object is JsonObject {
  if (!isRecord(object) || object.kind !== COLLECTOR_KIND) return false;
  return (
    typeof object.apiVersion === 'string' && object.apiVersion.startsWith(`${COLLECTOR_GROUP}/`)
  );
}

export function isServedApiVersion(apiVersion: unknown): apiVersion is CollectorApiVersion {
  return apiVersion === API_VERSIONS.v1alpha1 || apiVersion === API_VERSIONS.v1beta1;
}

/** Reads a collector of a served version; undefined for anything else. Never throws. */
export function readCollector(object: unknown): CollectorView | undefined {
  if (!isCollectorObject(object) || !isServedApiVersion(object.apiVersion)) return undefined;
  const spec = isRecord(object.spec) ? object.spec : {};
  const name = getPath(object, ['metadata', 'name']);
  const namespace = getPath(object, ['metadata', 'namespace']);
  return {
    apiVersion: object.apiVersion,
    name: typeof name === 'string' && name !== '' ? name : undefined,
    namespace: typeof namespace === 'string' && namespace !== '' ? namespace : undefined,
    annotations: readAnnotations(object),
    mode: typeof spec.mode === 'string' && spec.mode !== '' ? spec.mode : DEFAULT_MODE,
    replicas: spec.replicas,
    targetAllocator: readTargetAllocator(spec.targetAllocator),
    config: readConfigSource(object.apiVersion, spec),
  };
}

function readTargetAllocator(raw: unknown): TargetAllocatorSpec {
  const ta = isRecord(raw) ? raw : {};
  return {
    raw,
    enabled: typeof ta.enabled === 'boolean' ? ta.enabled : undefined,
    replicas: ta.replicas,
    image: ta.image,
    allocationStrategy:
      typeof ta.allocationStrategy === 'string' ? ta.allocationStrategy : undefined,
    filterStrategy: typeof ta.filterStrategy === 'string' ? ta.filterStrategy : undefined,
    prometheusCREnabled: getPath(ta, ['prometheusCR', 'enabled']) === true,
  };
}

function readConfigSource(apiVersion: CollectorApiVersion, spec: JsonObject): ConfigSource {
  const config = spec.config;
  if (config === undefined || config === null) return { kind: 'absent' };
  if (apiVersion === API_VERSIONS.v1alpha1) {
    return typeof config === 'string'
      ? { kind: 'string', text: config }
      : { kind: 'invalid', found: describeType(config) };
  }
  return isRecord(config)
    ? { kind: 'object', value: config }
    : { kind: 'invalid', found: describeType(config) };
}

export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (isRecord(value)) return 'an object';
  return `a ${typeof value}`;
}
