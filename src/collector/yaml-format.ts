/** The layout choices of a YAML text that the `yaml` package cannot read back from its nodes. */
export interface YamlLayout {
  readonly indent: number;
  /** Whether block sequences are indented under their parent key (`key:\n  - a`) or not (`key:\n- a`). */
  readonly indentSeq: boolean;
  /** Whether flow collections are written `[ a, b ]` rather than `[a, b]`. */
  readonly flowCollectionPadding: boolean;
}

const BLOCK_PARENT = /^([ -]*)[^\s#-][^#]*:\s*(#.*)?$/;

/**
 * Guesses the indentation style of a YAML text from its block parents (`key:` lines) and the line
 * that follows each, so a re-serialised document keeps the author's layout. Majority vote; the
 * `yaml` package's defaults when the text has no nested blocks.
 */
export function detectYamlLayout(text: string): YamlLayout {
  const lines = text.split('\n').filter((line) => line.trim() !== '' && !/^\s*#/.test(line));
  const indents = new Map<number, number>();
  let seqIndented = 0;
  let seqFlush = 0;
  for (let i = 0; i + 1 < lines.length; i++) {
    const parent = BLOCK_PARENT.exec(lines[i] ?? '');
    if (parent === null) continue;
    const parentColumn = parent[1]?.length ?? 0;
    const child = lines[i + 1] ?? '';
    const childColumn = child.length - child.trimStart().length;
    if (child.trimStart().startsWith('- ') || child.trim() === '-') {
      if (childColumn === parentColumn) seqFlush++;
      else if (childColumn > parentColumn) seqIndented++;
    } else if (childColumn > parentColumn) {
      const delta = childColumn - parentColumn;
      indents.set(delta, (indents.get(delta) ?? 0) + 1);
    }
  }
  let indent = 2;
  let best = 0;
  for (const [delta, count] of indents) {
    if (count > best || (count === best && delta < indent)) {
      indent = delta;
      best = count;
    }
  }
  const padded = count(text, /[:-] [[{] /g);
  const unpadded = count(text, /[:-] [[{][^\s\]}]/g);
  return {
    indent,
    indentSeq: seqFlush === 0 || seqIndented > seqFlush,
    flowCollectionPadding: padded > unpadded,
  };
}

function count(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}
