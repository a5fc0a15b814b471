import { Document } from 'yaml';
import { CollectorInputError } from './collector-error.js';
import { cloneJson, isRecord, jsonEqual, type JsonObject } from './json-value.js';
import { describeType, type ConfigSource } from './model.js';
import { editYamlEntries, parseYamlDocument, syncNode } from './yaml-edit.js';
import { detectYamlLayout, type YamlLayout } from './yaml-format.js';
import { editByLines } from './yaml-line-edit.js';
import { quoteNumberLikeStrings, readYamlText } from './yaml-text.js';

/** A collector config read into plain values. */
export interface ParsedConfig {
  readonly source: ConfigSource;
  /** The config as plain JSON values, shared (clone before editing); null when absent or empty. */
  readonly value: JsonObject | null;
}

export interface RenderedConfig {
  /** The new `spec.config` (a YAML string for v1alpha1, an object for v1beta1); undefined when unchanged. */
  readonly config: unknown;
  readonly warnings: string[];
}

/** Reads `spec.config` of either version; throws CollectorInputError when it cannot be used. */
export function parseConfig(source: ConfigSource): ParsedConfig {
  switch (source.kind) {
    case 'absent':
      return { source, value: null };
    case 'invalid':
      throw new CollectorInputError(
        'COLLECTOR_CONFIG_TYPE',
        `spec.config is ${source.found}; write it as a YAML string (v1alpha1) or an object (v1beta1)`,
      );
    case 'object':
      assertJsonValue(source.value, 'spec.config');
      return { source, value: source.value };
    case 'string':
      return parseYamlConfig(source);
  }
}

function parseYamlConfig(source: ConfigSource & { kind: 'string' }): ParsedConfig {
  const read = readYamlText(source.text);
  if (!read.ok) {
    throw new CollectorInputError(
      'COLLECTOR_CONFIG_YAML',
      `spec.config is ${read.message}; fix the YAML syntax of the config string`,
    );
  }
  const value = read.value;
  if (value === null) return { source, value: null };
  if (!isRecord(value)) {
    throw new CollectorInputError(
      'COLLECTOR_CONFIG_TYPE',
      `spec.config holds ${describeType(value)}; the collector config must be a YAML mapping (receivers, exporters, service, ...)`,
    );
  }
  assertJsonValue(value, 'spec.config');
  return { source, value };
}

/**
 * Writes `next` back in the form the config came in. A YAML string is edited through its document
 * so untouched nodes (with their comments, quoting and key order) stay as written; the result is
 * re-parsed and must equal `next`, otherwise (anchors that an edit would cut, for example) the
 * config is re-serialised whole and a warning says that comments were lost.
 */
export function renderConfig(parsed: ParsedConfig, next: JsonObject): RenderedConfig {
  if (parsed.value !== null && jsonEqual(parsed.value, next)) {
    return { config: undefined, warnings: [] };
  }
  if (parsed.source.kind !== 'string') return { config: next, warnings: [] };
  const text = parsed.source.text;
  const edited = memoisedEdit(text, parsed.value, next);
  if (edited !== undefined) return { config: edited, warnings: [] };
  return {
    config: serialise(next, detectYamlLayout(text)),
    warnings: [
      'spec.config was re-serialised as a whole (an edit in place would have broken its anchors or aliases): its comments are gone',
    ],
  };
}

const DEFAULT_LAYOUT: YamlLayout = { indent: 2, indentSeq: true, flowCollectionPadding: false };

/** Serialises a config object the way this project writes YAML (no line folding). */
export function serialise(value: unknown, layout: YamlLayout = DEFAULT_LAYOUT): string {
  const document = new Document(value, { aliasDuplicateObjects: false });
  quoteNumberLikeStrings(document);
  return document.toString({ ...layout, lineWidth: 0 });
}

/**
 * The same edit recurs: a server-side dry run followed by the real request, `kubectl apply`
 * re-sending the original manifest. The edit is a pure function of the text and the target value,
 * so a few recent ones are kept per text, each with a private copy of its target value (compared
 * structurally: cheaper than serialising the target into a key on every request).
 */
const EDIT_CACHE_TEXTS = 32;
const EDITS_PER_TEXT = 4;
interface CachedEdit {
  readonly next: JsonObject;
  readonly edited: string | undefined;
}
const editCache = new Map<string, CachedEdit[]>();

function memoisedEdit(
  text: string,
  before: JsonObject | null,
  next: JsonObject,
): string | undefined {
  let edits = editCache.get(text);
  const hit = edits?.find((entry) => jsonEqual(entry.next, next));
  if (hit !== undefined) return hit.edited;
  const edited = editDocument(text, before, next);
  if (edits === undefined) {
    edits = [];
    editCache.set(text, edits);
    if (editCache.size > EDIT_CACHE_TEXTS) {
      editCache.delete(editCache.keys().next().value as string);
    }
  }
  edits.unshift({ next: cloneJson(next), edited });
  if (edits.length > EDITS_PER_TEXT) edits.pop();
  return edited;
}

/**
 * Three ways, each result checked to read back as `next`: by lines (yaml-line-edit.ts, the
 * smallest piece kept for the admission goal, see docs/adr/0006-yaml-edits.md); entry by entry
 * through the `yaml` package's parsed document (yaml-edit.ts); the whole document through the
 * Document API, which keeps comments and key order but writes the text again in its layout.
 */
function editDocument(
  text: string,
  before: JsonObject | null,
  next: JsonObject,
): string | undefined {
  const layout = detectYamlLayout(text);
  if (before !== null) {
    const render = (key: string, value: unknown): string => serialise({ [key]: value }, layout);
    const byLines = editByLines(text, before, next, render);
    if (byLines !== undefined && readsAs(byLines, next)) return byLines;
  }
  const document = parseYamlDocument(text);
  if (document.errors.length > 0) return undefined;
  if (before !== null) {
    const edited = editYamlEntries(document, text, before, next, layout);
    if (edited !== undefined && readsAs(edited, next)) return edited;
  }
  // The entry edit may have changed nodes of its document: start again from the text.
  return editWholeDocument(parseYamlDocument(text), text, before, next, layout);
}

function readsAs(text: string, value: JsonObject): boolean {
  const check = readYamlText(text);
  return check.ok && jsonEqual(check.value, value);
}

function editWholeDocument(
  document: Document,
  text: string,
  before: JsonObject | null,
  next: JsonObject,
  layout: YamlLayout,
): string | undefined {
  try {
    document.contents = syncNode(document.contents, before, next) as typeof document.contents;
    let edited = document.toString({ ...layout, lineWidth: 0 });
    if (!text.endsWith('\n') && edited.endsWith('\n')) edited = edited.slice(0, -1);
    return readsAs(edited, next) ? edited : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Values already found JSON-safe. Only frozen values are remembered (those of `readYamlText`,
 * deep-frozen and shared by every read of the same text): nothing can change them afterwards.
 */
const jsonSafe = new WeakSet<object>();

/** Rejects values JSON (and so the API server and the stash) cannot carry: `.inf`, `.nan`, binary. */
function assertJsonValue(value: JsonObject, path: string): void {
  if (jsonSafe.has(value)) return;
  if (!isJsonSafe(value)) describeUnsafe(value, path);
  if (Object.isFrozen(value)) jsonSafe.add(value);
}

/** The quick check: no paths are built unless something is wrong. */
function isJsonSafe(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) return value.every(isJsonSafe);
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  for (const key in value) {
    if (Object.hasOwn(value, key) && !isJsonSafe((value as JsonObject)[key])) return false;
  }
  return true;
}

/** Throws the error naming the first value JSON cannot carry. */
function describeUnsafe(value: unknown, path: string): void {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new CollectorInputError(
      'COLLECTOR_CONFIG_VALUE',
      `${path} is ${String(value)}, which JSON cannot carry; quote it or use a finite number`,
    );
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => describeUnsafe(item, `${path}[${i}]`));
    return;
  }
  if (typeof value === 'object' && value !== null) {
    const prototype: unknown = Object.getPrototypeOf(value);
    if (!isRecord(value) || (prototype !== Object.prototype && prototype !== null)) {
      throw new CollectorInputError(
        'COLLECTOR_CONFIG_VALUE',
        `${path} holds a ${Object.prototype.toString.call(value)} value (a YAML tag such as !!binary or !!set); write it as a plain string, list or map`,
      );
    }
    for (const [key, item] of Object.entries(value)) describeUnsafe(item, `${path}.${key}`);
  }
}
