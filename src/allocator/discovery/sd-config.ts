import { parsePrometheusDuration } from '../../config/allocator/duration.js';
import { ObjectReader, configError } from '../../config/allocator/object-reader.js';
import type { ProviderContext } from './provider.js';

/** A strict reader for one `*_sd_configs` entry; messages start with the job and the entry. */
export function sdConfigReader(
  config: unknown,
  kind: string,
  context: ProviderContext,
): ObjectReader {
  return new ObjectReader(config, `job "${context.job}": ${kind}[${context.index}]`);
}

/** Reads a Prometheus duration key such as `refresh_interval`, in ms. */
export function readDuration(reader: ObjectReader, key: string, defaultMs: number): number {
  const text = reader.string(key);
  if (text === undefined) return defaultMs;
  const ms = parsePrometheusDuration(text);
  if (ms === undefined || ms <= 0) {
    throw configError(reader.child(key), `invalid duration "${text}" (examples: 30s, 5m, 1h)`);
  }
  return ms;
}
