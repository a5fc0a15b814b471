import { stringify } from 'yaml';
import { sha256Hex } from '../collector/canonical-json.js';
import type { JsonObject } from '../collector/json-value.js';
import { allocatorPrometheusCrBlock } from '../collector/prometheus-cr-block.js';
import { allocatorServiceUrl } from '../collector/naming.js';
import {
  configuredRefreshIntervalMs,
  formatPrometheusDuration,
} from '../collector/refresh-interval.js';
import { readStash, unescapeCollectorDollars } from '../collector/stash.js';
import type { CollectorResource } from './collector-resource.js';
import { Components, selectorLabels } from './labels.js';

export const ALLOCATOR_CONFIG_KEY = 'targetallocator.yaml';

export interface AllocatorConfigFile {
  /** The upstream `targetallocator.yaml` document. */
  readonly document: JsonObject;
  readonly text: string;
  /** sha256 of `text`: the pod-template annotation that rolls the Deployment on a change. */
  readonly hash: string;
  /** Things the user should know (shown as Warning events on the collector). */
  readonly warnings: readonly string[];
  /** The (unescaped) scrape configs in the document, for deriving the allocator's RBAC. */
  readonly scrapeConfigs: readonly JsonObject[];
  readonly prometheusCrEnabled: boolean;
}

export interface AllocatorConfigOptions {
  /** `managed-by` of the collector pods: ours in standalone mode, the upstream operator's otherwise. */
  readonly collectorManagedBy: string;
}

/**
 * Builds the allocator's config from a stored collector, in the upstream allocator's format. The
 * scrape configs come from the webhook's stash (the collector's own config has lost its discovery
 * to the rewrite), with the collector's `$$` escaping undone in every string: the collector
 * unescapes all of its config, and the allocator must see what the collector would.
 */
export function renderAllocatorConfig(
  collector: CollectorResource,
  options: AllocatorConfigOptions,
): AllocatorConfigFile {
  const ta = collector.targetAllocator;
  const warnings: string[] = [];
  const stash = readStash({ metadata: { annotations: collector.annotations } });
  let scrapeConfigs: readonly JsonObject[] = [];
  if (stash.status === 'valid') scrapeConfigs = unescapeCollectorDollars(stash.scrapeConfigs);
  else if (stash.status === 'invalid') warnings.push(stash.message);
  const prometheusCr = allocatorPrometheusCrBlock(ta.prometheusCR);
  if (scrapeConfigs.length === 0 && prometheusCr?.enabled !== true) {
    warnings.push(
      'the allocator has no scrape configs and Prometheus CR discovery is off, so it will not start; ' +
        'define scrape_configs in the prometheus receiver or enable spec.targetAllocator.prometheusCR',
    );
  }
  const document: JsonObject = {
    collector_namespace: collector.namespace,
    collector_selector: {
      matchLabels: selectorLabels(
        Components.collector,
        collector.namespace,
        collector.name,
        options.collectorManagedBy,
      ),
    },
    config: { scrape_configs: scrapeConfigs },
    allocation_strategy: stringOr(ta.allocationStrategy, 'consistent-hashing'),
    filter_strategy: stringOr(ta.filterStrategy, 'relabel-config'),
  };
  if (typeof ta.allocationFallbackStrategy === 'string' && ta.allocationFallbackStrategy !== '') {
    document.allocation_fallback_strategy = ta.allocationFallbackStrategy;
  }
  if (prometheusCr !== undefined) document.prometheus_cr = prometheusCr;
  if (typeof ta.collectorNotReadyGracePeriod === 'string') {
    document.collector_not_ready_grace_period = ta.collectorNotReadyGracePeriod;
  }
  if (ta.allowInsecureAuthSecrets === true) document.allow_insecure_auth_secrets = true;
  // The handoff's time bound counts on how often the collectors really poll (docs/rebalancing.md).
  const refreshMs = configuredRefreshIntervalMs(
    collector.spec.config,
    allocatorServiceUrl(collector.name, collector.namespace),
  );
  if (refreshMs !== undefined) {
    document.collector_refresh_interval = formatPrometheusDuration(refreshMs);
  }
  // YAML of a JSON-shaped value: keys in insertion order, no anchors, so equal input gives equal text.
  const text = stringify(document, { aliasDuplicateObjects: false, lineWidth: 0 });
  return {
    document,
    text,
    hash: sha256Hex(text),
    warnings,
    scrapeConfigs,
    prometheusCrEnabled: prometheusCr?.enabled === true,
  };
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value !== '' ? value : fallback;
}
