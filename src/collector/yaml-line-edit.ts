import { isRecord, jsonEqual } from './json-value.js';
import { isContent, readKey, splitLines, unusualYaml, type Line } from './yaml-lines.js';

/**
 * Edits a block-style YAML text by lines, without building a document: entries whose values
 * stay are left byte for byte, removed entries lose their lines, new entries are written by
 * `render` and inserted where the `yaml` Document edit would put them, and changed maps and
 * sequences of maps are descended into. The `yaml` package's lexer costs about 15 us per line
 * (it is a chain of generators), so parsing a whole config to edit a few keys cost most of an
 * uncached mutation; here the cost is one pass over the lines.
 *
 * Anything this does not recognise (flow collections that change, anchors cut by an edit, a
 * sequence that changes length, a first key of a `- key:` item removed) returns undefined, and
 * the caller edits through the Document API; the caller also checks that the result reads back
 * as the target value.
 */

/** Writes one new entry (`key: value`) at column 0, ending with a newline. */
export type EntryRenderer = (key: string, value: unknown) => string;

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

interface Entry {
  readonly key: string;
  /** The key line and the line after the entry's last line (trailing comments excluded). */
  readonly line: number;
  readonly endLine: number;
  /** Offset of the key's first character, and just past the `:`. */
  readonly keyOffset: number;
  readonly afterColon: number;
  /** Whether the key sits after a `- ` on its line (the first key of a sequence item). */
  readonly inline: boolean;
}

/** A block map: lines [from, to), keys at `column`; `inlineFirst` when the first key follows a `- `. */
interface MapSpan {
  readonly from: number;
  readonly to: number;
  readonly column: number;
  readonly inlineFirst: boolean;
}

class Unsupported extends Error {}

function bail(): never {
  throw new Unsupported();
}

const SPACE = 32;
const DASH = 45;

function isDashItem(text: string, line: Line, column: number): boolean {
  const at = line.start + column;
  return text.charCodeAt(at) === DASH && (at + 1 === line.end || text.charCodeAt(at + 1) === SPACE);
}

/** Lines [from, to) without the trailing blank lines and comments at `column` or shallower. */
function trimTrailing(lines: readonly Line[], from: number, to: number, column: number): number {
  let end = to;
  while (end > from + 1 && !isContent(lines[end - 1]!) && lines[end - 1]!.indent <= column) end--;
  return end;
}

/** The entries of a block map, in the order written. */
function mapEntries(text: string, lines: readonly Line[], span: MapSpan): Entry[] {
  const { from, to, column, inlineFirst } = span;
  const starts: Omit<Entry, 'endLine'>[] = [];
  for (let at = from; at < to; at++) {
    const line = lines[at]!;
    if (!isContent(line)) continue;
    const inline = inlineFirst && at === from;
    if (!inline && line.indent > column) continue;
    if (!inline && line.indent < column) bail();
    // `key:\n- item` at the key's own column: the item belongs to the key before.
    if (!inline && isDashItem(text, line, column)) {
      if (starts.length === 0) bail();
      continue;
    }
    const keyOffset = line.start + column;
    const read = readKey(text, keyOffset, line.end);
    if (read === undefined) bail();
    starts.push({ key: read[0], line: at, keyOffset, afterColon: read[1], inline });
  }
  return starts.map((entry, index) => ({
    ...entry,
    endLine: trimTrailing(lines, entry.line, starts[index + 1]?.line ?? to, column),
  }));
}

/** What follows the `:` on the key line, comments aside, is empty: the value is a block below. */
function valueBelow(text: string, entry: Entry, lines: readonly Line[]): boolean {
  const rest = text.slice(entry.afterColon, lines[entry.line]!.end).trim();
  return rest === '' || rest.startsWith('#');
}

/** The first content line under an entry and its column; undefined when there is none. */
function firstChild(lines: readonly Line[], entry: Entry): [number, number] | undefined {
  for (let at = entry.line + 1; at < entry.endLine; at++) {
    if (isContent(lines[at]!)) return [at, lines[at]!.indent];
  }
  return undefined;
}

class LineEditor {
  readonly edits: Edit[] = [];
  readonly lines: Line[];

  constructor(
    private readonly text: string,
    private readonly render: EntryRenderer,
  ) {
    this.lines = splitLines(text);
  }

  /** Lines padded with `column` spaces; the first line too unless it continues a line. */
  private indented(rendered: string, column: number, padFirst: boolean): string {
    if (column === 0) return rendered;
    const pad = ' '.repeat(column);
    return rendered
      .split('\n')
      .map((line, index) => (line === '' || (index === 0 && !padFirst) ? line : pad + line))
      .join('\n');
  }

  private offsetAfter(line: number): number {
    const last = this.lines[line - 1]!;
    return last.end === this.text.length ? this.text.length : last.end + 1;
  }

  private insertAt(offset: number, rendered: string): void {
    if (offset === this.text.length && !this.text.endsWith('\n')) {
      this.edits.push({ start: offset, end: offset, text: `\n${rendered.replace(/\n$/, '')}` });
    } else {
      this.edits.push({ start: offset, end: offset, text: rendered });
    }
  }

  syncMap(span: MapSpan, before: Record<string, unknown>, next: Record<string, unknown>): void {
    const { column } = span;
    const entries = mapEntries(this.text, this.lines, span);
    const keys = Object.keys(before);
    if (entries.length !== keys.length || entries.some((entry, i) => entry.key !== keys[i])) bail();
    // A map left without entries would read as null; `{}` is the Document edit's to write.
    if (Object.keys(next).length === 0) bail();
    const byKey = new Map(entries.map((entry) => [entry.key, entry]));
    for (const entry of entries) {
      if (Object.hasOwn(next, entry.key)) continue;
      if (entry.inline) bail();
      this.edits.push({
        start: this.lines[entry.line]!.start,
        end: this.offsetAfter(entry.endLine),
        text: '',
      });
    }
    let anchor: Entry | undefined;
    for (const [key, value] of Object.entries(next)) {
      const entry = byKey.get(key);
      if (entry !== undefined) {
        anchor = entry;
        if (!jsonEqual(before[key], value)) this.syncValue(entry, column, before[key], value);
        continue;
      }
      const rendered = this.indented(this.render(key, value), column, true);
      if (anchor !== undefined) {
        this.insertAt(this.offsetAfter(anchor.endLine), rendered);
        continue;
      }
      const first = entries.find((candidate) => Object.hasOwn(next, candidate.key));
      if (first === undefined || first.inline) bail();
      this.insertAt(this.lines[first.line]!.start, rendered);
    }
  }

  private syncValue(entry: Entry, column: number, before: unknown, next: unknown): void {
    const child = valueBelow(this.text, entry, this.lines)
      ? firstChild(this.lines, entry)
      : undefined;
    if (child !== undefined) {
      const [line, childColumn] = child;
      const seq = isDashItem(this.text, this.lines[line]!, childColumn);
      if (!seq && isRecord(before) && isRecord(next)) {
        const span = { from: line, to: entry.endLine, column: childColumn, inlineFirst: false };
        this.syncMap(span, before, next);
        return;
      }
      if (seq && Array.isArray(before) && Array.isArray(next)) {
        this.syncSeq(line, entry.endLine, childColumn, before, next);
        return;
      }
    }
    // A value of another kind, or a scalar: the entry is written anew. Collections written in
    // flow style or with properties are left to the Document edit, which keeps their style.
    const collections = [before, next].filter(
      (value) => typeof value === 'object' && value !== null,
    );
    if (collections.length === 2) bail();
    this.edits.push({
      start: entry.keyOffset,
      end: this.offsetAfter(entry.endLine),
      text: this.indented(this.render(entry.key, next), column, false),
    });
  }

  private syncSeq(
    from: number,
    to: number,
    column: number,
    before: unknown[],
    next: unknown[],
  ): void {
    const items: number[] = [];
    for (let at = from; at < to; at++) {
      const line = this.lines[at]!;
      if (!isContent(line) || line.indent > column) continue;
      if (line.indent < column || !isDashItem(this.text, line, column)) bail();
      items.push(at);
    }
    if (items.length !== before.length || items.length !== next.length) bail();
    items.forEach((line, index) => {
      const was = before[index];
      const now = next[index];
      if (jsonEqual(was, now)) return;
      if (!isRecord(was) || !isRecord(now)) bail();
      const end = trimTrailing(this.lines, line, items[index + 1] ?? to, column);
      const start = this.lines[line]!;
      let keyColumn = column + 1;
      while (this.text.charCodeAt(start.start + keyColumn) === SPACE) keyColumn++;
      if (start.start + keyColumn < start.end) {
        this.syncMap({ from: line, to: end, column: keyColumn, inlineFirst: true }, was, now);
        return;
      }
      // `-` alone on its line: the map starts on the next content line.
      let first = line + 1;
      while (first < end && !isContent(this.lines[first]!)) first++;
      if (first === end) bail();
      const itemColumn = this.lines[first]!.indent;
      this.syncMap({ from: first, to: end, column: itemColumn, inlineFirst: false }, was, now);
    });
  }
}

/** The text edited to hold `next`, or undefined when the edit needs the Document API. */
export function editByLines(
  text: string,
  before: Record<string, unknown>,
  next: Record<string, unknown>,
  render: EntryRenderer,
): string | undefined {
  if (unusualYaml(text)) return undefined;
  const editor = new LineEditor(text, render);
  try {
    const { lines } = editor;
    let first = 0;
    while (first < lines.length && !isContent(lines[first]!)) first++;
    if (first === lines.length || lines[first]!.indent !== 0) return undefined;
    editor.syncMap({ from: first, to: lines.length, column: 0, inlineFirst: false }, before, next);
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
  // By offset; at one offset, insertions (empty ranges) before the removal that starts there.
  const edits = editor.edits.sort(
    (a, b) =>
      a.start - b.start || (a.end - a.start === 0 ? 0 : 1) - (b.end - b.start === 0 ? 0 : 1),
  );
  let out = '';
  let at = 0;
  for (const edit of edits) {
    if (edit.start < at) return undefined; // overlapping edits: not expected, not risked
    out += text.slice(at, edit.start) + edit.text;
    at = edit.end;
  }
  return out + text.slice(at);
}
