import { parseDocument, type Document } from 'yaml';

/**
 * Options for every collector config string we read: merge keys (`<<`) as the collector's YAML
 * library accepts them, duplicate keys as errors (the collector refuses them too).
 */
export const YAML_PARSE_OPTIONS = { merge: true, uniqueKeys: true, prettyErrors: false } as const;
const MAX_ALIAS_COUNT = 100;

export type YamlRead =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

/**
 * A few recent texts and their values. The same config string is read several times per object
 * (mutation, its re-check of the edit, validation of the result) and parsing is the dominant
 * cost; values are cloned on the way out, so callers may edit them.
 */
const CACHE_SIZE = 32;
const cache = new Map<string, YamlRead>();

/** Reads a YAML text into plain values (null for an empty document); never throws. */
export function readYamlText(text: string): YamlRead {
  let read = cache.get(text);
  if (read === undefined) {
    read = parseText(text);
    cache.set(text, read);
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  }
  return read.ok ? { ok: true, value: structuredClone(read.value) } : read;
}

/** A fresh, editable document of the text (not cached: its owner edits it). */
export function parseYamlDocument(text: string): Document {
  return parseDocument(text, YAML_PARSE_OPTIONS);
}

function parseText(text: string): YamlRead {
  const document = parseYamlDocument(text);
  const error = document.errors[0];
  if (error !== undefined) {
    return { ok: false, message: `not valid YAML (${error.message.split('\n')[0] ?? error.code})` };
  }
  try {
    const value: unknown = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    return { ok: true, value: value ?? null };
  } catch (err) {
    return {
      ok: false,
      message: `unreadable YAML (${err instanceof Error ? err.message : String(err)})`,
    };
  }
}
