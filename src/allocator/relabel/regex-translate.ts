import { EMPTY, overlaps, union, type CharSet } from './char-set.js';
import { Parser, Unsupported, type Node } from './regex-parser.js';
import type { MatchGroups } from './template.js';

/**
 * Running a relabel regex on V8's engine when that is provably safe and equivalent, because a
 * call into the native RE2 binding costs microseconds while V8 matches a short label value in
 * tens of nanoseconds.
 *
 * Equivalence: only a subset of RE2 syntax is translated (literals, `.`, classes without POSIX or
 * Unicode-property items, `\d \w \s` and their negations outside classes, groups, alternation,
 * greedy and lazy quantifiers, `^ $`); anything else (flags such as `(?i)`, `\b`, `\pL`, ...)
 * stays on RE2. Every single-character matcher is emitted as an explicit code point set, so
 * `\s`, `.` and negated classes mean exactly what RE2 means (with the `s` and `u` flags: `.`
 * matches newlines and whole code points). Both engines pick the leftmost-first (Perl) match with
 * the same submatches, except that V8 resets captures inside a repeated group, so groups with
 * captures may repeat at most once.
 *
 * Safety: V8 backtracks, so a regex such as `(a*)*b` or `.*a.*a.*b` can take exponential or high
 * polynomial time. The analysis bounds the number of paths the backtracker can explore on an input
 * of length n by c * (n+1)^k, where k counts the unbounded single-character repeats whose
 * character set overlaps what may follow them (a repeat followed by something it cannot match
 * gives back characters in vain, which costs additive, not multiplicative, work). Unbounded
 * repeats of groups are never translated. V8 runs only for inputs short enough that the bound
 * times the path length stays under a fixed step budget; longer inputs go to RE2.
 */

/** Worst-case backtracking steps allowed per call on V8 (tens of microseconds at most). */
const STEP_BUDGET = 50_000;

function codePoint(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

function setToJs(set: CharSet): string {
  if (set.length === 1 && set[0]![0] === 0 && set[0]![1] === 0x10ffff) return '.';
  if (set.length === 1 && set[0]![0] === set[0]![1]) return codePoint(set[0]![0]);
  const ranges = set.map(([lo, hi]) =>
    lo === hi ? codePoint(lo) : `${codePoint(lo)}-${codePoint(hi)}`,
  );
  return `[${ranges.join('')}]`;
}

function toJs(node: Node): string {
  switch (node.kind) {
    case 'set':
      return setToJs(node.set);
    case 'anchor':
      return node.js;
    case 'concat':
      return node.items.map(toJs).join('');
    case 'alt':
      return node.branches.map(toJs).join('|');
    case 'group': {
      const open = !node.capture ? '(?:' : node.name !== undefined ? `(?<${node.name}>` : '(';
      return `${open}${toJs(node.body)})`;
    }
    case 'repeat': {
      const body =
        node.body.kind === 'set' || node.body.kind === 'group'
          ? toJs(node.body)
          : `(?:${toJs(node.body)})`;
      const { min, max } = node;
      const q =
        max === Infinity
          ? min === 0
            ? '*'
            : min === 1
              ? '+'
              : `{${min},}`
          : min === 0 && max === 1
            ? '?'
            : min === max
              ? `{${min}}`
              : `{${min},${max}}`;
      return body + q + (node.lazy ? '?' : '');
    }
  }
}

interface Shape {
  readonly nullable: boolean;
  readonly first: CharSet;
}

function shape(node: Node): Shape {
  switch (node.kind) {
    case 'set':
      return { nullable: false, first: node.set };
    case 'anchor':
      return { nullable: true, first: EMPTY };
    case 'concat': {
      let first: CharSet = EMPTY;
      for (const item of node.items) {
        const s = shape(item);
        first = union(first, s.first);
        if (!s.nullable) return { nullable: false, first };
      }
      return { nullable: true, first };
    }
    case 'alt': {
      const shapes = node.branches.map(shape);
      return {
        nullable: shapes.some((s) => s.nullable),
        first: union(...shapes.map((s) => s.first)),
      };
    }
    case 'group':
      return shape(node.body);
    case 'repeat': {
      const s = shape(node.body);
      return { nullable: node.min === 0 || s.nullable, first: s.first };
    }
  }
}

function hasCapture(node: Node): boolean {
  switch (node.kind) {
    case 'group':
      return node.capture || hasCapture(node.body);
    case 'concat':
      return node.items.some(hasCapture);
    case 'alt':
      return node.branches.some(hasCapture);
    case 'repeat':
      return hasCapture(node.body);
    default:
      return false;
  }
}

/** Paths <= c * (n+1)^k; `repeats` counts repeat visits (each gives back at most n characters). */
interface Cost {
  readonly k: number;
  readonly c: number;
  readonly repeats: number;
}

const UNIT: Cost = { k: 0, c: 1, repeats: 0 };

function repeatCost(node: Extract<Node, { kind: 'repeat' }>, follow: CharSet): Cost {
  const { body, min, max } = node;
  if (body.kind === 'set') {
    // Stopping and continuing compete only for characters that both the repeat and its follow take.
    const ambiguous = overlaps(body.set, follow);
    if (max === Infinity) return { k: ambiguous ? 1 : 0, c: 1, repeats: 1 };
    return { k: 0, c: ambiguous ? max - min + 1 : 1, repeats: 1 };
  }
  if (max === Infinity || (max > 1 && hasCapture(body))) throw new Unsupported();
  const inner = cost(body, max > 1 ? union(shape(body).first, follow) : follow);
  return { k: inner.k * max, c: inner.c ** max * (max - min + 1), repeats: inner.repeats * max };
}

function cost(node: Node, follow: CharSet): Cost {
  switch (node.kind) {
    case 'set':
    case 'anchor':
      return UNIT;
    case 'group':
      return cost(node.body, follow);
    case 'alt':
      return node.branches
        .map((b) => cost(b, follow))
        .reduce((a, b) => ({
          k: Math.max(a.k, b.k),
          c: a.c + b.c,
          repeats: a.repeats + b.repeats,
        }));
    case 'concat': {
      let total = UNIT;
      let after = follow;
      for (let i = node.items.length - 1; i >= 0; i--) {
        const item = node.items[i]!;
        const c = cost(item, after);
        total = { k: total.k + c.k, c: total.c * c.c, repeats: total.repeats + c.repeats };
        const s = shape(item);
        after = s.nullable ? union(s.first, after) : s.first;
      }
      return total;
    }
    case 'repeat':
      return repeatCost(node, follow);
  }
}

/** The longest input (in UTF-16 units) for which the step bound stays within the budget. */
function maxSafeLength(c: Cost, patternLength: number): number {
  const steps = (n: number): number => c.c * (n + 1) ** c.k * (n + patternLength) * (c.repeats + 1);
  if (steps(0) > STEP_BUDGET) return -1;
  let lo = 0;
  let hi = 1;
  while (hi < 1 << 24 && steps(hi) <= STEP_BUDGET) hi *= 2;
  if (steps(hi) <= STEP_BUDGET) return hi;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (steps(mid) <= STEP_BUDGET) lo = mid;
    else hi = mid;
  }
  return lo;
}

export interface JsTranslation {
  /** The V8 regex, anchored, flags `su`. */
  readonly regex: RegExp;
  /** Inputs up to this many UTF-16 units are safe on V8; longer ones must go to RE2. */
  readonly maxInputLength: number;
}

/** The V8 equivalent of an (already RE2-validated) relabel regex, or undefined when none is safe. */
export function translateToJs(source: string): JsTranslation | undefined {
  let node: Node;
  let bound: Cost;
  try {
    node = new Parser([...source]).parse();
    // Whatever follows the whole regex is the end of the input: nothing.
    bound = cost(node, EMPTY);
  } catch (err) {
    if (err instanceof Unsupported) return undefined;
    throw err;
  }
  const maxInputLength = maxSafeLength(bound, source.length);
  if (maxInputLength < 0) return undefined;
  return { regex: new RegExp(`^(?:${toJs(node)})$`, 'su'), maxInputLength };
}

/** Adapts a translation to the matcher shape used by `Re2Regex`: undefined defers to RE2. */
export function jsMatcher(
  translation: JsTranslation,
): (input: string) => MatchGroups | null | undefined {
  const { regex, maxInputLength } = translation;
  return (input) => (input.length <= maxInputLength ? regex.exec(input) : undefined);
}
