import jsYaml from 'js-yaml';
import { visit, type Document, type Node } from 'yaml';

/**
 * Reading and editing a collector config string. Values are read with js-yaml (several times
 * faster; reading is the hot path: mutation, its re-check of an edit, validation); edits go through
 * the `yaml` package's Document API, which keeps comments and layout. Both read YAML 1.2 core
 * scalars plus merge keys (`<<`), as the collector's YAML library does, and refuse duplicate keys.
 */
// `types` is exported by js-yaml but missing from its type definitions.
const MERGE_TYPE = (jsYaml as unknown as { types: { merge: jsYaml.Type } }).types.merge;
const READ_SCHEMA = jsYaml.CORE_SCHEMA.extend({ implicit: [MERGE_TYPE] });

/**
 * js-yaml shares the object of an anchor among its aliases instead of copying it, so a few
 * nested aliases describe a value with billions of nodes (the "billion laughs"); anything that
 * walks it (the stash, a clone, JSON) would hang. Past this many nodes the text is refused.
 */
const MAX_NODES = 200_000;

export type YamlRead =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

/**
 * A few recent texts and their values: the same config string is read several times per object.
 * Values are shared and deep-frozen: a caller that edits one clones it first.
 */
const CACHE_SIZE = 32;
const cache = new Map<string, YamlRead>();

/** Reads a YAML text into plain, frozen values (null for an empty document); never throws. */
export function readYamlText(text: string): YamlRead {
  let read = cache.get(text);
  if (read === undefined) {
    read = parseText(text);
    cache.set(text, read);
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  }
  return read;
}

function parseText(text: string): YamlRead {
  let value: unknown;
  try {
    value = jsYaml.load(text, { schema: READ_SCHEMA });
  } catch (err) {
    const message =
      err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err);
    return { ok: false, message: `not valid YAML (${message})` };
  }
  if (countNodes(value, { left: MAX_NODES }) < 0) {
    return {
      ok: false,
      message: `too large once its aliases are expanded (more than ${MAX_NODES} values)`,
    };
  }
  return { ok: true, value: deepFreeze(copyPlain(value ?? null)) };
}

/** Counts down the budget per node visited; negative once it is exhausted. */
function countNodes(value: unknown, budget: { left: number }): number {
  budget.left--;
  if (budget.left < 0 || typeof value !== 'object' || value === null) return budget.left;
  for (const item of Object.values(value)) {
    if (countNodes(item, budget) < 0) return budget.left;
  }
  return budget.left;
}

/** Gives every alias its own copy (js-yaml shares them), so freezing and editing stay local. */
function copyPlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyPlain);
  if (typeof value !== 'object' || value === null) return value;
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) result[key] = copyPlain(item);
  return result;
}

function deepFreeze(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

/**
 * The `yaml` package writes by YAML 1.2 core, where `1_000`, `0b1` and `._1` are strings and stay
 * plain; js-yaml's core schema (the reader here) and the collector's go-yaml both read them as
 * numbers. Such strings in new nodes are double-quoted, as `yaml` quotes `1e3` or `true`.
 */
export function quoteNumberLikeStrings(node: Node | Document): void {
  visit(node, {
    Scalar(_key, scalar) {
      const { value } = scalar;
      if (typeof value === 'string' && NUMBER_START.test(value) && !readsAsItself(value)) {
        scalar.type = 'QUOTE_DOUBLE';
      }
    },
  });
}

/** Only these can be read as a number: a sign, a dot or an underscore, then a digit or an underscore. */
const NUMBER_START = /^[-+]?[._]?[0-9_]/;

function readsAsItself(plain: string): boolean {
  try {
    return jsYaml.load(plain, { schema: READ_SCHEMA }) === plain;
  } catch {
    return false;
  }
}
