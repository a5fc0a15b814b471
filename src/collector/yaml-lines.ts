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
