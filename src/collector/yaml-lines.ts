/**
 * A YAML text as lines with their indentation: what the line-level editors (yaml-region.ts,
 * yaml-line-edit.ts) work from.
 */
export interface Line {
  readonly start: number;
  /** Offset of the line's end (its newline, or the end of the text). */
  readonly end: number;
  /** Leading spaces; -1 for a blank line. */
  readonly indent: number;
  readonly comment: boolean;
}

export function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let column = start;
    while (column < end && text.charCodeAt(column) === 32) column++;
    const blank = column === end;
    lines.push({
      start,
      end,
      indent: blank ? -1 : column - start,
      comment: !blank && text.charCodeAt(column) === 35, // '#'
    });
    if (end === text.length) break;
    start = end + 1;
  }
  return lines;
}

/** Neither blank nor a comment. */
export const isContent = (line: Line): boolean => line.indent >= 0 && !line.comment;

/**
 * Directives, document markers, tabs and carriage returns: texts the line editors leave to the
 * Document API, whose reading of them is exact.
 */
export function unusualYaml(text: string): boolean {
  return /^(?:%|---|\.\.\.)|\t|\r/m.test(text);
}

const SPACE = 32;
const PLAIN_KEY_START = /^[^-?:,[\]{}#&*!|>'"%@`\s]/;

/** A quoted key without escapes: [key, offset past its closing quote]. */
function readQuotedKey(
  text: string,
  offset: number,
  lineEnd: number,
): [string, number] | undefined {
  const quote = text[offset]!;
  const close = text.indexOf(quote, offset + 1);
  if (close < 0 || close > lineEnd) return undefined;
  const key = text.slice(offset + 1, close);
  if (quote === '"' && key.includes('\\')) return undefined;
  if (quote === "'" && text[close + 1] === "'") return undefined; // an escaped quote
  return [key, close + 1];
}

/** A plain key: it ends at the first `:` followed by a space or the end of the line. */
function readPlainKey(text: string, offset: number, lineEnd: number): [string, number] | undefined {
  if (!PLAIN_KEY_START.test(text.slice(offset, offset + 1))) return undefined;
  let colon = offset;
  for (;;) {
    colon = text.indexOf(':', colon);
    if (colon < 0 || colon >= lineEnd) return undefined;
    if (colon + 1 === lineEnd || text.charCodeAt(colon + 1) === SPACE) break;
    colon++;
  }
  const key = text.slice(offset, colon).trimEnd();
  return key.includes(' #') ? undefined : [key, colon];
}

/** The key written from `offset` on its line: [key, offset past the `:`]; else undefined. */
export function readKey(
  text: string,
  offset: number,
  lineEnd: number,
): [string, number] | undefined {
  const quote = text[offset];
  const read =
    quote === '"' || quote === "'"
      ? readQuotedKey(text, offset, lineEnd)
      : readPlainKey(text, offset, lineEnd);
  if (read === undefined) return undefined;
  let at = read[1];
  while (at < lineEnd && text.charCodeAt(at) === SPACE) at++;
  if (text.charCodeAt(at) !== 58) return undefined; // ':'
  if (at + 1 !== lineEnd && text.charCodeAt(at + 1) !== SPACE) return undefined;
  return [read[0], at + 1];
}
