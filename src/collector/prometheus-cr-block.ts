import { isRecord, type JsonObject } from './json-value.js';

/**
 * The collector's `spec.targetAllocator.prometheusCR` (camelCase) as the allocator config's
 * `prometheus_cr` block (upstream's snake_case keys: `scrapeConfigSelector` becomes
 * `scrape_config_selector`). Values are kept as written; null fields are left out (a null selector
 * selects nothing, like an absent one). Undefined when the collector has no such block.
 */
export function allocatorPrometheusCrBlock(raw: unknown): JsonObject | undefined {
  if (!isRecord(raw)) return undefined;
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined || value === null) continue;
    result[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = value;
  }
  return result;
}
