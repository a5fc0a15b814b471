import { Annotations } from './annotations.js';
import { canonicalJson, sha256Hex } from './canonical-json.js';
import { copyRecord, getPath, isRecord, type JsonObject } from './json-value.js';

/**
 * The stash: the user's original `scrape_configs` (before the rewrite removed their discovery),
 * kept on the collector in two annotations. The webhook writes it; the controller reads it to
 * build the allocator's Prometheus config.
 */
export interface StashedScrapeConfigs {
  /** Scrape configs in the order of the collector config, values exactly as the collector reads them. */
  readonly scrapeConfigs: readonly JsonObject[];
  /** sha256 hex of the canonical JSON; changes exactly when the jobs change. */
  readonly hash: string;
}

export type StashReadResult =
  | { readonly status: 'absent' }
  | ({ readonly status: 'valid' } & StashedScrapeConfigs)
  | { readonly status: 'invalid'; readonly message: string };

export interface EncodedStash {
  readonly json: string;
  readonly hash: string;
}

/** The last few stash texts and their hashes: a re-sent manifest stashes the same jobs. */
const HASH_CACHE_SIZE = 16;
const hashes = new Map<string, string>();

export function encodeStash(scrapeConfigs: readonly JsonObject[]): EncodedStash {
  const json = canonicalJson(scrapeConfigs);
  let hash = hashes.get(json);
  if (hash === undefined) {
    hash = sha256Hex(json);
    hashes.set(json, hash);
    if (hashes.size > HASH_CACHE_SIZE) hashes.delete(hashes.keys().next().value as string);
  }
  return { json, hash };
}

/**
 * Sets both stash annotations on `object` (metadata.annotations is created when absent). The
 * metadata and annotations maps are replaced by edited copies: they may be shared with others.
 */
export function writeStash(object: JsonObject, scrapeConfigs: readonly JsonObject[]): void {
  writeEncodedStash(object, encodeStash(scrapeConfigs));
}

/** `writeStash` with the stash already encoded. */
export function writeEncodedStash(object: JsonObject, { json, hash }: EncodedStash): void {
  const metadata: JsonObject = isRecord(object.metadata) ? copyRecord(object.metadata) : {};
  const annotations: JsonObject = isRecord(metadata.annotations)
    ? copyRecord(metadata.annotations)
    : {};
  annotations[Annotations.originalScrapeConfigs] = json;
  annotations[Annotations.originalScrapeConfigsHash] = hash;
  metadata.annotations = annotations;
  object.metadata = metadata;
}

/** Removes both stash annotations (and an annotations map left empty by that), editing copies. */
export function removeStash(object: JsonObject): void {
  const metadata = object.metadata;
  if (!isRecord(metadata) || !isRecord(metadata.annotations)) return;
  const annotations = copyRecord(metadata.annotations);
  delete annotations[Annotations.originalScrapeConfigs];
  delete annotations[Annotations.originalScrapeConfigsHash];
  const edited = copyRecord(metadata);
  edited.annotations = annotations;
  if (Object.keys(annotations).length === 0) delete edited.annotations;
  object.metadata = edited;
}

/**
 * Reads the stash of a collector object. `invalid` when the annotation is not a JSON list of
 * objects or its hash annotation does not match (someone edited one of the two by hand).
 */
export function readStash(object: unknown): StashReadResult {
  const annotations = getPath(object, ['metadata', 'annotations']);
  const raw = isRecord(annotations) ? annotations[Annotations.originalScrapeConfigs] : undefined;
  if (raw === undefined) return { status: 'absent' };
  if (typeof raw !== 'string') return invalid('is not a string');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return invalid('is not JSON');
  }
  if (!Array.isArray(parsed) || !parsed.every(isRecord)) {
    return invalid('is not a JSON list of scrape configs');
  }
  const hash = sha256Hex(canonicalJson(parsed));
  const recorded = isRecord(annotations)
    ? annotations[Annotations.originalScrapeConfigsHash]
    : undefined;
  if (recorded !== hash) {
    return invalid(`does not match its hash annotation ${Annotations.originalScrapeConfigsHash}`);
  }
  return { status: 'valid', scrapeConfigs: parsed, hash };
}

/**
 * The collector unescapes `$$` to `$` in every string of its config (its `${env:X}` syntax
 * reserves `$`); the allocator reads a plain Prometheus config, so it needs the unescaped form.
 * Upstream only does this in relabel `replacement` fields, which breaks `$$` anywhere else.
 */
export function unescapeCollectorDollars<T>(value: T): T {
  return unescapeValue(value) as T;
}

function unescapeValue(value: unknown): unknown {
  if (typeof value === 'string') return value.replaceAll('$$', '$');
  if (Array.isArray(value)) return value.map(unescapeValue);
  if (!isRecord(value)) return value;
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) result[key] = unescapeValue(item);
  return result;
}

function invalid(reason: string): StashReadResult {
  return {
    status: 'invalid',
    message: `annotation ${Annotations.originalScrapeConfigs} ${reason}; remove both otel-ta stash annotations and re-apply the collector so the webhook writes them again`,
  };
}
