import {
  Document,
  isMap,
  isNode,
  isScalar,
  isSeq,
  parseDocument,
  YAMLMap,
  type Node,
  type Pair,
} from 'yaml';
import { isRecord, jsonEqual, type JsonObject } from './json-value.js';
import type { YamlLayout } from './yaml-format.js';
import { quoteNumberLikeStrings } from './yaml-text.js';

/**
 * Edits a YAML text towards a target value through the `yaml` package's parsed document: the
 * document says where each entry starts and ends in the text, and only the entries that change
 * are replaced there, each one written by the library from its own (edited) node. Every other
 * byte of the text stays as written: comments, blank lines, quoting, indentation, key order.
 *
 * Maps are descended into key by key, block sequences of the same length item by item; a map
 * entry whose value cannot be edited inside (a scalar, a flow collection, a sequence that changes
 * length, a merge key) is written again whole from its node, so its own comments stay too.
 * Anything else gives undefined, and the caller edits the whole document instead.
 */

interface Splice {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** The text of a document that cannot be edited by entries. */
class NotByEntries extends Error {}

// No duplicate-key check: the text was read (and refused on duplicates) before any edit.
const EDIT_OPTIONS = { merge: true, uniqueKeys: false, prettyErrors: false } as const;

/**
 * Builds new nodes. A document's own createNode scans the whole document for anchor names on
 * every call; new nodes never carry anchors, so an empty document builds them for a fraction of
 * the cost.
 */
export const NODE_FACTORY = new Document();

/** A fresh, editable document of a text that `readYamlText` accepted. */
export function parseYamlDocument(text: string): Document {
  return parseDocument(text, EDIT_OPTIONS);
}

/** `text` edited so that it reads as `next`, or undefined when it cannot be edited entry by entry. */
export function editYamlEntries(
  document: Document,
  text: string,
  before: JsonObject,
  next: JsonObject,
  layout: YamlLayout,
): string | undefined {
  if (document.errors.length > 0 || !isMap(document.contents)) return undefined;
  const editor = new EntryEditor(text, layout);
  try {
    return editor.editMap(document.contents, before, next) ? editor.result() : undefined;
  } catch (err) {
    if (err instanceof NotByEntries) return undefined;
    throw err;
  }
}

function columnOf(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

function keyOf(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

function rangeOf(node: unknown): [number, number, number] {
  const range = isNode(node) ? node.range : undefined;
  if (range === undefined || range === null) throw new NotByEntries();
  return range;
}

class EntryEditor {
  private readonly splices: Splice[] = [];

  constructor(
    private readonly text: string,
    private readonly layout: YamlLayout,
  ) {}

  result(): string {
    let out = '';
    let at = 0;
    for (const splice of [...this.splices].sort((a, b) => a.start - b.start)) {
      if (splice.start < at) throw new NotByEntries();
      out += this.text.slice(at, splice.start) + splice.text;
      at = splice.end;
    }
    out += this.text.slice(at);
    // A replaced last entry of a text without a final newline: so is its replacement.
    return !this.text.endsWith('\n') && out.endsWith('\n') ? out.slice(0, -1) : out;
  }

  /** Edits a block map in place; false when it cannot be (then its entry is written whole). */
  editMap(map: Node, before: unknown, next: unknown): boolean {
    if (!isMap(map) || map.flow || !isRecord(before) || !isRecord(next)) return false;
    if (map.items.some((pair) => keyOf(pair) === '<<' || !isScalar(pair.key))) return false;
    if (map.items.every((pair) => !Object.hasOwn(next, keyOf(pair)))) return false;
    let previous: Pair | undefined;
    for (const [key, value] of Object.entries(next)) {
      const pair = map.items.find((p) => keyOf(p) === key);
      if (pair === undefined) {
        this.insertAfter(map.items, previous, NODE_FACTORY.createPair(key, value));
        continue;
      }
      previous = pair;
      if (!jsonEqual(before[key], value)) this.editEntry(pair, before[key], value);
    }
    for (const pair of map.items) {
      if (!Object.hasOwn(next, keyOf(pair))) this.remove(map.items, pair);
    }
    return true;
  }

  private editEntry(pair: Pair, before: unknown, next: unknown): void {
    if (this.editMap(pair.value as Node, before, next)) return;
    if (this.editSeq(pair.value as Node, before, next)) return;
    const { start, end, inline } = this.entry(pair);
    pair.value = syncNode(pair.value, before, next);
    // Comments above the key stay in the text before the entry; do not write them twice.
    if (isNode(pair.key)) {
      pair.key.commentBefore = undefined;
      pair.key.spaceBefore = false;
    }
    const column = columnOf(this.text, rangeOf(pair.key)[0]);
    this.splices.push({ start, end, text: this.render(pair, column, inline) });
  }

  private editSeq(seq: Node, before: unknown, next: unknown): boolean {
    if (!isSeq(seq) || seq.flow || !Array.isArray(before) || !Array.isArray(next)) return false;
    if (seq.items.length !== before.length || before.length !== next.length) return false;
    seq.items.forEach((item, i) => {
      if (jsonEqual(before[i], next[i])) return;
      if (!this.editMap(item as Node, before[i], next[i])) throw new NotByEntries();
    });
    return true;
  }

  /** Where the entry of `pair` starts and ends in the text, and whether it follows a `- `. */
  private entry(pair: Pair): { start: number; end: number; inline: boolean } {
    const keyStart = rangeOf(pair.key)[0];
    const lineStart = this.text.lastIndexOf('\n', keyStart - 1) + 1;
    const inline = this.text.slice(lineStart, keyStart).trim() !== '';
    let end = pair.value === null ? rangeOf(pair.key)[2] : rangeOf(pair.value)[2];
    if (this.text.charCodeAt(end - 1) !== 10) {
      const newline = this.text.indexOf('\n', end);
      if (this.text.slice(end, newline < 0 ? undefined : newline).trim() !== '') {
        throw new NotByEntries();
      }
      end = newline < 0 ? this.text.length : newline + 1;
    }
    return { start: inline ? keyStart : lineStart, end, inline };
  }

  private insertAfter(items: readonly Pair[], previous: Pair | undefined, pair: Pair): void {
    if (isNode(pair.key)) quoteNumberLikeStrings(pair.key);
    if (isNode(pair.value)) quoteNumberLikeStrings(pair.value);
    if (previous !== undefined) {
      const { end } = this.entry(previous);
      const column = columnOf(this.text, rangeOf(previous.key)[0]);
      // After a last line without a newline, the new entry starts a line of its own.
      const newline = this.text.charCodeAt(end - 1) === 10 ? '' : '\n';
      this.splices.push({ start: end, end, text: newline + this.render(pair, column, false) });
      return;
    }
    const first = items[0];
    if (first === undefined) throw new NotByEntries();
    const { start, inline } = this.entry(first);
    const column = columnOf(this.text, rangeOf(first.key)[0]);
    // Before the first key: after a `- `, the old first key moves to a line of its own.
    const text = this.render(pair, column, inline) + (inline ? ' '.repeat(column) : '');
    this.splices.push({ start, end: start, text });
  }

  private remove(items: readonly Pair[], pair: Pair): void {
    const { start, end, inline } = this.entry(pair);
    if (!inline) {
      this.splices.push({ start, end, text: '' });
      return;
    }
    // The first key after a `- `: the next key moves up behind the dash.
    const following = items[items.indexOf(pair) + 1];
    if (following === undefined) throw new NotByEntries();
    this.splices.push({ start, end: rangeOf(following.key)[0], text: '' });
  }

  /** The entry written by the library at column 0, then moved to `column`. */
  private render(pair: Pair, column: number, inline: boolean): string {
    const document = new Document();
    const map = new YAMLMap();
    map.items.push(pair);
    document.contents = map;
    let written: string;
    try {
      written = document.toString({ ...this.layout, lineWidth: 0 });
    } catch {
      // An alias whose anchor lies outside the entry: only the whole document can be written.
      throw new NotByEntries();
    }
    const pad = ' '.repeat(column);
    return written
      .split('\n')
      .map((line, i) => (line === '' || (i === 0 && inline) ? line : pad + line))
      .join('\n');
  }
}

/**
 * Returns the node to hold `value`: `node` itself, edited in place, when it can be kept (its
 * comments and styles stay). `before` is the node's current plain value, walked alongside.
 */
export function syncNode(node: unknown, before: unknown, value: unknown): unknown {
  if (jsonEqual(before, value) && node !== undefined) return node;
  if (isMap(node) && isRecord(before) && isRecord(value)) {
    if (!node.items.some((pair) => keyOf(pair) === '<<')) {
      syncMap(node, before, value);
      return node;
    }
  }
  if (isSeq(node) && Array.isArray(before) && Array.isArray(value)) {
    if (node.items.length === value.length && before.length === value.length) {
      node.items = node.items.map((item, i) => syncNode(item, before[i], value[i]));
      return node;
    }
  }
  const created = NODE_FACTORY.createNode(value, { aliasDuplicateObjects: false });
  quoteNumberLikeStrings(created);
  if (isNode(node)) {
    // A new value in the old place keeps the comments around it.
    created.commentBefore = node.commentBefore;
    created.comment = node.comment;
    created.spaceBefore = node.spaceBefore;
  }
  return created;
}

function syncMap(node: YAMLMap, before: JsonObject, value: JsonObject): void {
  node.items = node.items.filter((pair) => Object.hasOwn(value, keyOf(pair)));
  for (const pair of node.items) {
    const key = keyOf(pair);
    pair.value = syncNode(pair.value, before[key], value[key]);
  }
  let insertAt = 0;
  for (const [key, item] of Object.entries(value)) {
    const index = node.items.findIndex((pair) => keyOf(pair) === key);
    if (index >= 0) {
      insertAt = index + 1;
      continue;
    }
    const pair = NODE_FACTORY.createPair(key, item, { aliasDuplicateObjects: false });
    if (isNode(pair.key)) quoteNumberLikeStrings(pair.key);
    if (isNode(pair.value)) quoteNumberLikeStrings(pair.value);
    node.items.splice(insertAt, 0, pair);
    insertAt++;
  }
}
