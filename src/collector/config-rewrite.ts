import { errorMessage } from '../errors.js';
import { Annotations, type RewriteMode } from './annotations.js';
import { parseConfig, renderConfig } from './config-document.js';
import { getPath, isRecord, type JsonObject } from './json-value.js';
import type { ConfigSource } from './model.js';
import { rewritePrometheusReceiver } from './receiver-rewrite.js';
import { readScrapeConfigs } from './scrape-configs.js';
import { encodeStash, readStash, type EncodedStash } from './stash.js';

export interface ConfigRewriteInput {
  readonly source: ConfigSource;
  readonly mode: RewriteMode;
  readonly allocatorUrl: string;
  /** The collector object, for its stash annotations. */
  readonly object: JsonObject;
  /** How often collectors poll the allocator (Prometheus duration). */
  readonly refreshInterval: string;
}

/** What the mutation does to `spec.config` and the stash. */
export type ConfigRewrite =
  | { readonly kind: 'no-receiver'; readonly warnings: readonly string[] }
  | {
      readonly kind: 'rewritten';
      /** The new `spec.config`; undefined when it stays as it is. */
      readonly config: unknown;
      readonly stash: EncodedStash;
      readonly warnings: readonly string[];
    };

/**
 * The prometheus receiver rewrite of a collector config, rendered back into the config's own form,
 * with the stash to write. Throws CollectorInputError on input it cannot use.
 *
 * For a YAML string (v1alpha1) the outcome is a pure function of the text, the rewrite mode, the
 * allocator URL, the refresh interval and the two stash annotations, and the same request comes again and again (a
 * server-side dry run and then the real one, `kubectl apply` of an unchanged manifest, several
 * webhook calls with reinvocation), so recent outcomes are kept.
 */
export function rewriteConfig(input: ConfigRewriteInput): ConfigRewrite {
  if (input.source.kind !== 'string' || input.source.text.length > MAX_CACHED_TEXT_LENGTH) {
    return computeRewrite(input);
  }
  const text = input.source.text;
  const annotations = getPath(input.object, ['metadata', 'annotations']);
  const stashed = isRecord(annotations) ? annotations : {};
  const key = [
    input.mode,
    input.allocatorUrl,
    input.refreshInterval,
    stashed[Annotations.originalScrapeConfigs],
    stashed[Annotations.originalScrapeConfigsHash],
  ]
    .map(keyPart)
    .join('');
  let byInput = cache.get(text);
  const known = byInput?.get(key);
  if (known !== undefined) return known;
  const outcome = computeRewrite(input);
  Object.freeze(outcome.warnings);
  Object.freeze(outcome);
  if (byInput === undefined) {
    byInput = new Map();
    cache.set(text, byInput);
    if (cache.size > CACHED_TEXTS) cache.delete(cache.keys().next().value as string);
  }
  byInput.set(key, outcome);
  if (byInput.size > OUTCOMES_PER_TEXT) byInput.delete(byInput.keys().next().value as string);
  return outcome;
}

/**
 * Length-prefixed, so no two inputs share a key. Only strings can be a stash: any other value
 * reads the same (invalid), so it needs no more than its kind.
 */
function keyPart(value: unknown): string {
  if (value === undefined) return '-';
  if (typeof value !== 'string') return '?';
  return `${value.length}:${value}`;
}

const CACHED_TEXTS = 32;
const OUTCOMES_PER_TEXT = 4;
/** Larger configs are rare; they are not kept, so the cache stays within a few megabytes. */
const MAX_CACHED_TEXT_LENGTH = 256 * 1024;
const cache = new Map<string, Map<string, ConfigRewrite>>();

function computeRewrite(input: ConfigRewriteInput): ConfigRewrite {
  const warnings: string[] = [];
  const parsed = parseConfig(input.source);
  const rewrite =
    parsed.value === null
      ? ({ kind: 'no-receiver' } as const)
      : rewritePrometheusReceiver({
          config: parsed.value,
          mode: input.mode,
          allocatorUrl: input.allocatorUrl,
          stash: previousStash(input.object, warnings),
          refreshInterval: input.refreshInterval,
        });
  if (rewrite.kind === 'no-receiver') {
    warnings.push('spec.config has no receiver named "prometheus": there is nothing to rewrite');
    return { kind: 'no-receiver', warnings };
  }
  const rendered = renderConfig(parsed, rewrite.config);
  warnings.push(...rewrite.warnings, ...rendered.warnings);
  return {
    kind: 'rewritten',
    config: rendered.config,
    stash: encodeStash(rewrite.originals),
    warnings,
  };
}

function previousStash(object: JsonObject, warnings: string[]): JsonObject[] | undefined {
  const stash = readStash(object);
  if (stash.status === 'absent') return undefined;
  if (stash.status === 'invalid') {
    warnings.push(`${stash.message}; it was rebuilt from spec.config`);
    return undefined;
  }
  try {
    return readScrapeConfigs(stash.scrapeConfigs, 'the stashed scrape configs');
  } catch (err) {
    warnings.push(
      `the stashed scrape configs are unusable (${errorMessage(err)}); rebuilt from spec.config`,
    );
    return undefined;
  }
}
