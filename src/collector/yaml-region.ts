import { isRecord, jsonEqual } from './json-value.js';
import { isContent, readKey, splitLines, unusualYaml, type Line } from './yaml-lines.js';

/**
 * Finding, by lines, the smallest block-mapping entry of a YAML text that holds every change of
 * an edit, so that only that entry is parsed into a document, edited and written back, and the
 * rest of the text is kept byte for byte. A collector config is mostly exporters, processors and
 * pipelines; the rewrite only touches `receivers.prometheus.config`, and parsing and printing
 * the whole document cost most of an uncached mutation.
 *
 * Line rules of block YAML this relies on: an entry of a block mapping starts at a line whose
 * indentation is the mapping's own, and everything that belongs to its value (nested blocks,
 * block scalars, continuation lines of multi-line scalars and flow collections) is indented
 * more. Anything unusual (a complex key, directives, no locatable entry) gives no region, and the
 * caller edits the whole document; the caller also checks the spliced text reads as the target.
 */

/** An entry `key: ...` of a block mapping: its lines, as offsets into the text. */
export interface EntryRegion {
  /** Offset of the first character of the key line (its indentation included). */
  readonly start: number;
  /** Offset just past the entry's last line and its newline (or the end of the text). */
  readonly end: number;
  /** The column of the key. */
  readonly indent: number;
  readonly key: string;
  /** The entry's value before the edit and the value it must hold after. */
  readonly before: unknown;
  readonly next: unknown;
}

/** The one key whose value differs, when both maps have the same keys; else undefined. */
function onlyChangedKey(before: unknown, next: unknown): string | undefined {
  if (!isRecord(before) || !isRecord(next)) return undefined;
  const keys = Object.keys(before);
  if (keys.length !== Object.keys(next).length) return undefined;
  let changed: string | undefined;
  for (const key of keys) {
    if (!Object.hasOwn(next, key)) return undefined;
    if (jsonEqual(before[key], next[key])) continue;
    if (changed !== undefined) return undefined;
    changed = key;
  }
  return changed;
}

/** Whether the line, from its indentation on, is `key:` followed by a space or its end. */
function isKeyLine(text: string, line: Line, key: string): boolean {
  return readKey(text, line.start + line.indent, line.end)?.[0] === key;
}

/**
 * Whether a line after an entry's key line starts what follows the entry: content indented no
 * deeper than the key, except `- ` items at the key's own column (a sequence written flush with
 * its key, `key:\n- a`, is the key's value).
 */
function endsEntry(text: string, line: Line, indent: number): boolean {
  if (!isContent(line) || line.indent > indent) return false;
  if (line.indent < indent) return true;
  const at = line.start + indent;
  return !(text.charCodeAt(at) === 45 && (at + 1 === line.end || text.charCodeAt(at + 1) === 32));
}

/**
 * The entry `key` of the block mapping on lines [from, to): its key line sits at the mapping's
 * indentation (that of the first content line) and its value runs to the next content line
 * indented no deeper; trailing blank lines and shallower comments belong to what follows.
 */
function findEntry(
  text: string,
  lines: readonly Line[],
  from: number,
  to: number,
  key: string,
): [number, number] | undefined {
  let first = from;
  while (first < to && !isContent(lines[first]!)) first++;
  if (first === to) return undefined;
  const indent = lines[first]!.indent;
  if (text.charCodeAt(lines[first]!.start + indent) === 45) return undefined; // '-': a sequence
  for (let at = first; at < to; at++) {
    const line = lines[at]!;
    if (!isContent(line) || line.indent !== indent || !isKeyLine(text, line, key)) continue;
    let end = at + 1;
    while (end < to && !endsEntry(text, lines[end]!, indent)) end++;
    while (end > at + 1 && !isContent(lines[end - 1]!) && lines[end - 1]!.indent <= indent) end--;
    return [at, end];
  }
  return undefined;
}

/**
 * The deepest entry that holds every difference between `before` (the text's value) and `next`,
 * following keys while exactly one of them changes; undefined when even the top level changes
 * in more than one key or the entry cannot be located by lines.
 */
export function findEditRegion(
  text: string,
  before: unknown,
  next: unknown,
): EntryRegion | undefined {
  if (onlyChangedKey(before, next) === undefined || unusualYaml(text)) return undefined;
  const lines = splitLines(text);
  let from = 0;
  let to = lines.length;
  let found: EntryRegion | undefined;
  let beforeValue = before;
  let nextValue = next;
  for (;;) {
    const key = onlyChangedKey(beforeValue, nextValue);
    if (key === undefined) break;
    const entry = findEntry(text, lines, from, to, key);
    if (entry === undefined) break;
    beforeValue = (beforeValue as Record<string, unknown>)[key];
    nextValue = (nextValue as Record<string, unknown>)[key];
    const [first, last] = entry;
    const lastLine = lines[last - 1]!;
    found = {
      start: lines[first]!.start,
      end: lastLine.end === text.length ? text.length : lastLine.end + 1,
      indent: lines[first]!.indent,
      key,
      before: beforeValue,
      next: nextValue,
    };
    from = first + 1;
    to = last;
  }
  return found;
}

/** The entry's text moved to column 0, as a document of its own (`key: ...`). */
export function entryText(text: string, region: EntryRegion): string {
  const body = text.slice(region.start, region.end);
  if (region.indent === 0) return body;
  return body
    .split('\n')
    .map((line) => {
      let column = 0;
      while (column < region.indent && line.charCodeAt(column) === 32) column++;
      return line.slice(column);
    })
    .join('\n');
}

/** The text with the entry replaced by `rendered` (an entry at column 0, ending with a newline). */
export function spliceEntry(text: string, region: EntryRegion, rendered: string): string {
  let entry = rendered;
  if (region.indent > 0) {
    const pad = ' '.repeat(region.indent);
    entry = rendered
      .split('\n')
      .map((line) => (line === '' ? line : pad + line))
      .join('\n');
  }
  // The entry ended the text without a newline: so does its replacement.
  if (region.end === text.length && !text.endsWith('\n') && entry.endsWith('\n')) {
    entry = entry.slice(0, -1);
  }
  return text.slice(0, region.start) + entry + text.slice(region.end);
}
