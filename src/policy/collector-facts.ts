import { Annotations } from '../collector/annotations.js';
import { readYamlText } from '../collector/yaml-text.js';

/** What the policy needs to know about an OpenTelemetryCollector, read defensively from any input. */
export interface CollectorFacts {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** `spec.mode`, `deployment` when absent (the CRD's default). */
  readonly mode: string;
  /** The most pods the collector may run: `spec.replicas`, or the autoscaler's maximum if larger. */
  readonly maxReplicas: number;
  readonly replicasSource: 'replicas' | 'autoscaler';
  /** Parsing a v1alpha1 config string is the costly part of the facts, so it happens on demand. */
  readonly hasPrometheusReceiver: () => boolean;
  /** The names of its Prometheus receivers (`prometheus`, `prometheus/<name>`), in config order. */
  readonly prometheusReceivers: () => readonly string[];
  /** Enabled in the spec, or through the opt-in annotation unless the spec sets `enabled: false`. */
  readonly allocatorEnabled: boolean;
  /** The user opted out of mutation (`otel-ta.dev/inject: "false"`). */
  readonly optedOut: boolean;
  /** `spec.targetAllocator.enabled: false`, written by the user: the mutation never flips it. */
  readonly allocatorDisabled: boolean;
  /** The effective strategy: the one set, else the default the mutation fills in. */
  readonly allocationStrategy: string;
  readonly allocatorReplicas: number;
  readonly allocatorImage: string | undefined;
}

type Json = Record<string, unknown>;

function asObject(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Json)
    : {};
}

function stringMap(value: unknown): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, item] of Object.entries(asObject(value))) {
    if (typeof item === 'string') result[key] = item;
  }
  return result;
}

function positiveInteger(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : fallback;
}

/**
 * v1alpha1 carries the config as a YAML string, v1beta1 as an object. Unparseable: no receiver.
 * Read through the collector domain's reader, which the mutation and validation of the same
 * request use too, so the text is parsed once.
 */
function configObject(config: unknown): Json {
  if (typeof config !== 'string') return asObject(config);
  const read = readYamlText(config);
  return read.ok ? asObject(read.value) : {};
}

function prometheusReceivers(config: unknown): string[] {
  // Cheap rejection before a YAML parse: no receiver key can be named without the word.
  if (typeof config === 'string' && !config.includes('prometheus')) return [];
  const receivers = asObject(configObject(config).receivers);
  // `prometheus` and named instances `prometheus/<name>` are both Prometheus scrapers.
  return Object.keys(receivers).filter(
    (key) => key === 'prometheus' || key.startsWith('prometheus/'),
  );
}

export function collectorFacts(object: unknown): CollectorFacts {
  const root = asObject(object);
  const metadata = asObject(root.metadata);
  const spec = asObject(root.spec);
  const annotations = stringMap(metadata.annotations);
  const allocator = asObject(spec.targetAllocator);
  const mode = typeof spec.mode === 'string' ? spec.mode : 'deployment';
  const replicas = positiveInteger(spec.replicas, 1);
  // v1beta1 has spec.autoscaler.maxReplicas; v1alpha1 also the older spec.maxReplicas.
  const autoscalerMax = Math.max(
    positiveInteger(asObject(spec.autoscaler).maxReplicas, 0),
    positiveInteger(spec.maxReplicas, 0),
  );
  const defaultStrategy = mode === 'daemonset' ? 'per-node' : 'consistent-hashing';
  return {
    name: typeof metadata.name === 'string' ? metadata.name : '',
    labels: stringMap(metadata.labels),
    mode,
    maxReplicas: Math.max(replicas, autoscalerMax),
    replicasSource: autoscalerMax > replicas ? 'autoscaler' : 'replicas',
    hasPrometheusReceiver: () => prometheusReceivers(spec.config).length > 0,
    prometheusReceivers: () => prometheusReceivers(spec.config),
    // An explicit `enabled: false` wins over the opt-in annotation (the mutation never flips it),
    // so such a collector runs no allocator whatever the annotation says.
    allocatorEnabled:
      allocator.enabled === true ||
      (allocator.enabled !== false && annotations[Annotations.enable] === 'true'),
    optedOut: annotations[Annotations.inject] === 'false',
    allocatorDisabled: allocator.enabled === false,
    allocationStrategy:
      typeof allocator.allocationStrategy === 'string' && allocator.allocationStrategy !== ''
        ? allocator.allocationStrategy
        : defaultStrategy,
    allocatorReplicas: positiveInteger(allocator.replicas, 1),
    allocatorImage:
      typeof allocator.image === 'string' && allocator.image !== '' ? allocator.image : undefined,
  };
}
