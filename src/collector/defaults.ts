import { CollectorInputError } from './collector-error.js';
import { describeType } from './model.js';
import { copyRecord, isRecord, type JsonObject } from './json-value.js';

export interface MutationSettings {
  /** Allocator image written to `spec.targetAllocator.image` when the user set none. */
  readonly allocatorImage: string;
  /**
   * Strategy written to `spec.targetAllocator.allocationStrategy` when the user set none, for every
   * mode but daemonset (always per-node). Default consistent-hashing.
   */
  readonly defaultAllocationStrategy?: DefaultableStrategy;
  /**
   * How often collectors poll the allocator, unless the collector says (annotation
   * `otel-ta.dev/refresh-interval`, or `spec.targetAllocator.collectorTargetReloadInterval`);
   * default DEFAULT_REFRESH_INTERVAL (src/collector/refresh-interval.ts).
   */
  readonly refreshInterval?: string | undefined;
}

/**
 * The strategies a cluster may choose as its default. Not per-node: upstream allows it only for
 * daemonsets, which get it whatever the default.
 */
export const DEFAULTABLE_STRATEGIES = ['consistent-hashing', 'least-weighted'] as const;
export type DefaultableStrategy = (typeof DEFAULTABLE_STRATEGIES)[number];

export const DEFAULT_ALLOCATOR_REPLICAS = 1;
export const DEFAULT_FILTER_STRATEGY = 'relabel-config';
export const POD_NAME_ENV = 'POD_NAME';

/**
 * Upstream's rule: a DaemonSet pool must use per-node; everything else gets the configured default
 * (consistent-hashing unless the webhook is told otherwise).
 */
export function defaultAllocationStrategy(
  mode: string,
  configured: DefaultableStrategy = 'consistent-hashing',
): string {
  return mode === 'daemonset' ? 'per-node' : configured;
}

/**
 * Fills the targetAllocator defaults and the POD_NAME env var into `spec` (a private shallow
 * copy; the maps and lists below it are shared, so they are copied before an edit), only where
 * absent: a value the user set is never changed, since GitOps tools report that as drift.
 */
export function applyDefaults(
  spec: JsonObject,
  options: { readonly mode: string; readonly enable: boolean; readonly settings: MutationSettings },
): void {
  const ta = ensureMap(spec, 'targetAllocator', 'spec.targetAllocator');
  if (options.enable) setIfAbsent(ta, 'enabled', true);
  setIfAbsent(ta, 'replicas', DEFAULT_ALLOCATOR_REPLICAS);
  setIfAbsent(
    ta,
    'allocationStrategy',
    defaultAllocationStrategy(options.mode, options.settings.defaultAllocationStrategy),
  );
  setIfAbsent(ta, 'filterStrategy', DEFAULT_FILTER_STRATEGY);
  setIfAbsent(ta, 'image', options.settings.allocatorImage);
  addPodNameEnv(spec);
}

function addPodNameEnv(spec: JsonObject): void {
  const env: unknown = spec.env ?? [];
  if (!Array.isArray(env)) {
    throw new CollectorInputError(
      'COLLECTOR_SPEC_TYPE',
      `spec.env is ${describeType(env)}; it must be a list of environment variables`,
    );
  }
  if (env.some((entry) => isRecord(entry) && entry.name === POD_NAME_ENV)) return;
  spec.env = [
    ...(env as unknown[]),
    { name: POD_NAME_ENV, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  ];
}

function ensureMap(parent: JsonObject, key: string, path: string): JsonObject {
  const value = parent[key];
  if (value === undefined || value === null) {
    const created: JsonObject = {};
    parent[key] = created;
    return created;
  }
  if (!isRecord(value)) {
    throw new CollectorInputError(
      'COLLECTOR_SPEC_TYPE',
      `${path} is ${describeType(value)}; it must be a map`,
    );
  }
  const copy = copyRecord(value);
  parent[key] = copy;
  return copy;
}

function setIfAbsent(map: JsonObject, key: string, value: unknown): void {
  if (map[key] === undefined || map[key] === null) map[key] = value;
}
