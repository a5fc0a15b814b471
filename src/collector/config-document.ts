import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  stringify,
  type Document,
  type Pair,
  type YAMLMap,
} from 'yaml';
import { CollectorInputError } from './collector-error.js';
import { isRecord, jsonEqual, type JsonObject } from './json-value.js';
import { describeType, type ConfigSource } from './model.js';
import { detectYamlLayout, type YamlLayout } from './yaml-format.js';

/** A collector config read into plain values, with its YAML document when it came as a string. */
export interface ParsedConfig {
  readonly source: ConfigSource;
  /** The config as plain JSON values; null for an absent or empty config. */
  readonly value: JsonObject | null;
  readonly document: Document | undefined;
}

export interface RenderedConfig {
  /** The new `spec.config`: a YAML string for v1alpha1, an object for v1beta1. */
  readonly config: unknown;
  readonly warnings: string[];
}

const DEFAULT_LAYOUT: YamlLayout = { indent: 2, indentSeq: true, flowCollectionPadding: false };
const PARSE_OPTIONS = { merge: true, uniqueKeys: true, prettyErrors: false } as const;

/** Reads `spec.config` of either version; throws CollectorInputError when it cannot be used. */
export function parseConfig(source: ConfigSource): ParsedConfig {
  switch (source.kind) {
    case 'absent':
      return { source, value: null, document: undefined };
    case 'invalid':
      throw new CollectorInputError(
        'COLLECTOR_CONFIG_TYPE',
        `spec.config is ${source.found}; write it as a YAML string (v1alpha1) or an object (v1beta1)`,
      );
    case 'object':
      assertJsonValue(source.value, 'spec.config');
      return { source, value: source.value, document: undefined };
    case 'string':
      return parseYamlConfig(source);
  }
}

function parseYamlConfig(source: ConfigSource & { kind: 'string' }): ParsedConfig {
  const document = parseDocument(source.text, PARSE_OPTIONS);
  const error = document.errors[0];
  if (error !== undefined) {
    throw new CollectorInputError(
      'COLLECTOR_CONFIG_YAML',
      `spec.config is not valid YAML (${error.message.split('\n')[0] ?? error.code}); fix the YAML syntax of the config string`,
    );
  }
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new CollectorInputError(
      'COLLECTOR_CONFIG_YAML',
      `spec.config cannot be read (${err instanceof Error ? err.message : String(err)}); simplify its anchors and aliases`,
    );
  }
  if (value === null || value === undefined) return { source, value: null, document };
  if (!isRecord(value)) {
    throw new CollectorInputError(
      'COLLECTOR_CONFIG_TYPE',
      `spec.config holds ${describeType(value)}; the collector config must be a YAML mapping (receivers, exporters, service, ...)`,
    );
  }
  assertJsonValue(value, 'spec.config');
  return { source, value, document };
}

/**
 * Writes `next` back in the form the config came in. A YAML string is edited through its document
 * so untouched nodes (with their comments, quoting and key order) stay as written; the result is
 * re-parsed and must equal `next`, otherwise (anchors that an edit would cut, for example) the
 * config is re-serialised whole and a warning says that comments were lost.
 */
export function renderConfig(parsed: ParsedConfig, next: JsonObject): RenderedConfig {
  if (parsed.value !== null && jsonEqual(parsed.value, next)) {
    const unchanged = parsed.source.kind === 'string' ? parsed.source.text : parsed.value;
    return { config: unchanged, warnings: [] };
  }
  if (parsed.source.kind !== 'string' || parsed.document === undefined) {
    return { config: next, warnings: [] };
  }
  const text = parsed.source.text;
  const layout = detectYamlLayout(text);
  const edited = editDocument(parsed.document, next, layout, !text.endsWith('\n'));
  if (edited !== undefined) return { config: edited, warnings: [] };
  return {
    config: serialise(next, layout),
    warnings: [
      'spec.config was re-serialised as a whole (an edit in place would have broken its anchors or aliases): its comments are gone',
    ],
  };
}

/** Serialises a config object the way this project writes YAML (no line folding). */
export function serialise(value: unknown, layout: YamlLayout = DEFAULT_LAYOUT): string {
  return stringify(value, { ...layout, lineWidth: 0, aliasDuplicateObjects: false });
}

function editDocument(
  original: Document,
  next: JsonObject,
  layout: YamlLayout,
  stripFinalNewline: boolean,
): string | undefined {
  try {
    const document = original.clone();
    document.contents = syncNode(document, document.contents, next) as typeof document.contents;
    let text = document.toString({ ...layout, lineWidth: 0 });
    if (stripFinalNewline && text.endsWith('\n')) text = text.slice(0, -1);
    const check = parseDocument(text, PARSE_OPTIONS);
    if (check.errors.length > 0 || !jsonEqual(check.toJS({ maxAliasCount: 100 }), next)) {
      return undefined;
    }
    return text;
  } catch {
    return undefined;
  }
}

/** Returns the node to hold `value`: `node` itself, edited in place, when it can be kept. */
function syncNode(document: Document, node: unknown, value: unknown): unknown {
  if (nodeEquals(document, node, value)) return node;
  if (isMap(node) && isRecord(value) && !hasMergeKey(node)) {
    syncMap(document, node, value);
    return node;
  }
  if (isSeq(node) && Array.isArray(value) && node.items.length === value.length) {
    node.items = node.items.map((item, i) => syncNode(document, item, value[i]));
    return node;
  }
  return document.createNode(value, { aliasDuplicateObjects: false });
}

function syncMap(document: Document, node: YAMLMap, value: JsonObject): void {
  node.items = node.items.filter((pair) => Object.hasOwn(value, keyOf(pair)));
  for (const pair of node.items) pair.value = syncNode(document, pair.value, value[keyOf(pair)]);
  let insertAt = 0;
  for (const [key, item] of Object.entries(value)) {
    const index = node.items.findIndex((pair) => keyOf(pair) === key);
    if (index >= 0) {
      insertAt = index + 1;
      continue;
    }
    node.items.splice(
      insertAt,
      0,
      document.createPair(key, item, { aliasDuplicateObjects: false }),
    );
    insertAt++;
  }
}

function nodeEquals(document: Document, node: unknown, value: unknown): boolean {
  if (node === null || node === undefined) return value === null;
  const target = isAlias(node) ? node.resolve(document) : node;
  if (!isScalar(target) && !isMap(target) && !isSeq(target)) return false;
  return jsonEqual(target.toJS(document, { maxAliasCount: 100 }), value);
}

function hasMergeKey(node: YAMLMap): boolean {
  return node.items.some((pair) => keyOf(pair) === '<<');
}

function keyOf(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

/** Rejects values JSON (and so the API server and the stash) cannot carry: `.inf`, `.nan`, binary. */
function assertJsonValue(value: unknown, path: string): void {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new CollectorInputError(
      'COLLECTOR_CONFIG_VALUE',
      `${path} is ${String(value)}, which JSON cannot carry; quote it or use a finite number`,
    );
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => assertJsonValue(item, `${path}[${i}]`));
    return;
  }
  if (typeof value === 'object' && value !== null) {
    if (!isRecord(value) || Object.getPrototypeOf(value) !== Object.prototype) {
      throw new CollectorInputError(
        'COLLECTOR_CONFIG_VALUE',
        `${path} holds a ${value.constructor.name} value (a YAML tag such as !!binary or !!set); write it as a plain string, list or map`,
      );
    }
    for (const [key, item] of Object.entries(value)) assertJsonValue(item, `${path}.${key}`);
  }
}
