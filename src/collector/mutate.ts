import { Annotations, type RewriteMode } from './annotations.js';
import { CollectorInputError } from './collector-error.js';
import { rewriteConfig } from './config-rewrite.js';
import { applyDefaults, type MutationSettings } from './defaults.js';
import { copyRecord, isRecord, jsonEqual, readAnnotations, type JsonObject } from './json-value.js';
import { readCollector, type CollectorView } from './model.js';
import { allocatorServiceUrl } from './naming.js';
import { DEFAULT_REFRESH_INTERVAL, resolveRefreshInterval } from './refresh-interval.js';
import { removeStash, writeEncodedStash } from './stash.js';

export type { MutationSettings } from './defaults.js';

export interface MutationContext {
  readonly operation: 'CREATE' | 'UPDATE';
  /** The request's namespace (an object being created may not carry one yet). */
  readonly namespace: string;
  /** The request's name, for objects whose metadata.name is not set yet. */
  readonly name: string;
  readonly settings: MutationSettings;
  /** Admin policy `mutate`: enable the allocator unless the collector opts out (`otel-ta.dev/inject: "false"`). */
  readonly forceEnable?: boolean;
}

export type MutationOutcome =
  | { readonly kind: 'unchanged'; readonly warnings: string[] }
  | {
      readonly kind: 'mutated';
      /** Shares the unchanged parts of the input: treat both as read-only. */
      readonly object: Record<string, unknown>;
      readonly warnings: string[];
    }
  | { readonly kind: 'denied'; readonly code: number; readonly message: string };

/**
 * Room left for annotations. Kubernetes rejects more than 256 KiB in total; the margin keeps
 * `kubectl apply`'s last-applied annotation and later edits from tipping the object over.
 */
export const MAX_ANNOTATIONS_BYTES = 200 * 1024;

const REWRITE_MODES: readonly RewriteMode[] = ['http_sd', 'target_allocator'];

/**
 * The admission mutation of an OpenTelemetryCollector (DESIGN.md "The mutation, precisely"):
 * defaults where absent, the prometheus receiver rewrite, the stash. Pure and deterministic;
 * never throws: bad input is a denial whose message says what to change.
 */
export function mutateCollector(object: unknown, context: MutationContext): MutationOutcome {
  try {
    return mutate(object, context);
  } catch (err) {
    if (err instanceof CollectorInputError) {
      return { kind: 'denied', code: err.status, message: err.message };
    }
    // The domain walks values recursively; the API server admits JSON nested up to 10000 levels.
    if (err instanceof RangeError && err.message.includes('call stack')) {
      return {
        kind: 'denied',
        code: 400,
        message:
          'spec nests maps and lists too deeply for otel-ta to read; flatten the deeply nested value in spec.config',
      };
    }
    const reason = err instanceof Error ? err.message : String(err);
    return {
      kind: 'denied',
      code: 500,
      message: `otel-ta could not mutate this collector (internal error: ${reason}); please report it with the manifest`,
    };
  }
}

function mutate(object: unknown, context: MutationContext): MutationOutcome {
  const view = readCollector(object);
  if (view === undefined || !isRecord(object)) return { kind: 'unchanged', warnings: [] };
  const trigger = evaluateTrigger(view, context);
  if (trigger.kind === 'off') return { kind: 'unchanged', warnings: trigger.warnings };

  const name = view.name ?? context.name;
  if (name === '') {
    throw new CollectorInputError(
      'COLLECTOR_NAME',
      'the collector has no metadata.name; set one (generateName cannot name its target allocator before creation)',
    );
  }
  const namespace = view.namespace ?? context.namespace;
  const mode = rewriteMode(view);
  const warnings: string[] = [...mode.warnings];
  // Copy on write: every step copies the maps and lists it edits and shares the rest with the
  // request object, so the result, the equality check and the patch cost what changed.
  const result = copyRecord(object);
  const specValue = result.spec ?? {};
  if (!isRecord(specValue)) {
    throw new CollectorInputError('COLLECTOR_SPEC_TYPE', 'spec must be a map');
  }
  const spec = copyRecord(specValue);
  result.spec = spec;
  applyDefaults(spec, {
    mode: view.mode,
    enable: trigger.setEnabled,
    settings: context.settings,
  });

  const refresh = resolveRefreshInterval(
    view.annotations,
    view.targetAllocator.raw,
    context.settings.refreshInterval ?? DEFAULT_REFRESH_INTERVAL,
  );
  const rewrite = rewriteConfig({
    source: view.config,
    mode: mode.mode,
    allocatorUrl: allocatorServiceUrl(name, namespace),
    object,
    refreshInterval: refresh.text,
  });
  warnings.push(...rewrite.warnings);
  if (rewrite.kind === 'no-receiver') {
    removeStash(result);
  } else {
    if (rewrite.config !== undefined) spec.config = rewrite.config;
    writeEncodedStash(result, rewrite.stash);
    assertAnnotationsFit(result, keptConfigTextBytes(spec.config));
  }
  if (jsonEqual(result, object)) return { kind: 'unchanged', warnings };
  return { kind: 'mutated', object: result, warnings };
}

type Trigger =
  | { readonly kind: 'on'; readonly setEnabled: boolean }
  | { readonly kind: 'off'; readonly warnings: string[] };

function evaluateTrigger(view: CollectorView, context: MutationContext): Trigger {
  const enabled = view.targetAllocator.enabled;
  if (enabled === true) return { kind: 'on', setEnabled: false };
  const byAnnotation = view.annotations[Annotations.enable] === 'true';
  const byPolicy = context.forceEnable === true && view.annotations[Annotations.inject] !== 'false';
  if (!byAnnotation && !byPolicy) return { kind: 'off', warnings: [] };
  if (enabled === false) {
    const source = byAnnotation ? `annotation ${Annotations.enable}` : 'the cluster policy';
    return {
      kind: 'off',
      warnings: [
        `spec.targetAllocator.enabled is false, so ${source} does not enable the target allocator; remove "enabled: false" to let it`,
      ],
    };
  }
  return { kind: 'on', setEnabled: true };
}

function rewriteMode(view: CollectorView): { mode: RewriteMode; warnings: string[] } {
  const written = view.annotations[Annotations.rewriteMode];
  const crEnabled = view.targetAllocator.prometheusCREnabled;
  if (written === undefined) {
    return { mode: crEnabled ? 'target_allocator' : 'http_sd', warnings: [] };
  }
  const mode = REWRITE_MODES.find((candidate) => candidate === written);
  if (mode === undefined) {
    throw new CollectorInputError(
      'COLLECTOR_REWRITE_MODE',
      `annotation ${Annotations.rewriteMode} is "${written}"; set it to ${REWRITE_MODES.join(' or ')}`,
    );
  }
  const warnings =
    mode === 'http_sd' && crEnabled
      ? [
          `prometheusCR is enabled but ${Annotations.rewriteMode} is http_sd: jobs the allocator makes from ServiceMonitors, PodMonitors, ScrapeConfigs and Probes reach no collector; use target_allocator`,
        ]
      : [];
  return { mode, warnings };
}

/**
 * A v1alpha1 config text is stored beside the v1beta1 object in annotation
 * `otel-ta.dev/v1alpha1-config` by the conversion webhook (convert.ts), after this check and
 * after the API server's own size check of the request: it counts now, or the stored object can
 * exceed Kubernetes' limit, and every later write of it fails.
 */
function keptConfigTextBytes(config: unknown): number {
  if (typeof config !== 'string') return 0;
  return (
    Buffer.byteLength(Annotations.v1alpha1ConfigText, 'utf8') + Buffer.byteLength(config, 'utf8')
  );
}

function assertAnnotationsFit(object: JsonObject, keptConfigText: number): void {
  let total = keptConfigText;
  for (const [key, value] of Object.entries(readAnnotations(object))) {
    total += Buffer.byteLength(key, 'utf8') + Buffer.byteLength(value, 'utf8');
  }
  if (total > MAX_ANNOTATIONS_BYTES) {
    throw new CollectorInputError(
      'COLLECTOR_STASH_TOO_LARGE',
      `the original scrape configs stashed in annotation ${Annotations.originalScrapeConfigs}${keptConfigText > 0 ? ` (and the v1alpha1 config text kept in ${Annotations.v1alpha1ConfigText} when the collector is stored)` : ''} bring the collector's annotations to ${total} bytes, above otel-ta's budget of ${MAX_ANNOTATIONS_BYTES} (Kubernetes allows 262144 in total); split the scrape jobs across several collectors or move them to ServiceMonitors/PodMonitors with prometheusCR`,
      422,
    );
  }
}
