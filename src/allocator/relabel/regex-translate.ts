import {
  ANY,
  DIGIT,
  EMPTY,
  SPACE,
  WORD,
  complement,
  overlaps,
  single,
  union,
  type CharSet,
} from './char-set.js';
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

type Node =
  | { readonly kind: 'set'; readonly set: CharSet }
  | { readonly kind: 'anchor'; readonly js: '^' | '$' }
  | { readonly kind: 'concat'; readonly items: readonly Node[] }
  | { readonly kind: 'alt'; readonly branches: readonly Node[] }
  | {
      readonly kind: 'group';
      readonly capture: boolean;
      readonly name: string | undefined;
      readonly body: Node;
    }
  | {
      readonly kind: 'repeat';
      readonly body: Node;
      readonly min: number;
      readonly max: number;
      readonly lazy: boolean;
    };

class Unsupported extends Error {}

const ESCAPE_SETS: Readonly<Record<string, CharSet>> = {
  d: DIGIT,
  D: complement(DIGIT),
  w: WORD,
  W: complement(WORD),
  s: SPACE,
  S: complement(SPACE),
};
const ESCAPE_CHARS: Readonly<Record<string, number>> = { n: 10, t: 9, r: 13, f: 12, v: 11 };
const ASCII_PUNCTUATION = /^[!-/:-@[-`{-~]$/;
const JS_GROUP_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

class Parser {
  private pos = 0;
  constructor(private readonly cps: readonly string[]) {}

  parse(): Node {
    const node = this.alternation();
    if (this.pos !== this.cps.length) throw new Unsupported();
    return node;
  }

  private peek(offset = 0): string | undefined {
    return this.cps[this.pos + offset];
  }

  private alternation(): Node {
    const branches = [this.concatenation()];
    while (this.peek() === '|') {
      this.pos++;
      branches.push(this.concatenation());
    }
    return branches.length === 1 ? branches[0]! : { kind: 'alt', branches };
  }

  private concatenation(): Node {
    const items: Node[] = [];
    for (let ch = this.peek(); ch !== undefined && ch !== '|' && ch !== ')'; ch = this.peek()) {
      items.push(this.quantified(this.atom()));
    }
    return items.length === 1 ? items[0]! : { kind: 'concat', items };
  }

  private quantified(body: Node): Node {
    const bounds = this.quantifier();
    if (bounds === undefined) return body;
    const lazy = this.peek() === '?';
    if (lazy) this.pos++;
    if (this.quantifier() !== undefined) throw new Unsupported();
    return { kind: 'repeat', body, min: bounds[0], max: bounds[1], lazy };
  }

  /** Consumes a quantifier and returns its bounds, or leaves the input alone. */
  private quantifier(): [number, number] | undefined {
    const ch = this.peek();
    if (ch === '*' || ch === '+' || ch === '?') {
      this.pos++;
      return ch === '*' ? [0, Infinity] : ch === '+' ? [1, Infinity] : [0, 1];
    }
    if (ch !== '{') return undefined;
    const rest = this.cps.slice(this.pos, this.pos + 16).join('');
    const m = /^\{([0-9]+)(,([0-9]*))?\}/.exec(rest);
    // Not a repeat: RE2 reads the brace as a literal, which `atom` handles.
    if (m === null) return undefined;
    this.pos += [...m[0]].length;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    return [min, max];
  }

  private atom(): Node {
    const ch = this.peek()!;
    this.pos++;
    switch (ch) {
      case '(':
        return this.group();
      case '[':
        return { kind: 'set', set: this.charClass() };
      case '.':
        return { kind: 'set', set: ANY };
      case '^':
      case '$':
        return { kind: 'anchor', js: ch };
      case '\\':
        return { kind: 'set', set: this.escape(false) };
      case '*':
      case '+':
      case '?':
      case '{':
        throw new Unsupported();
      default:
        return { kind: 'set', set: single(ch.codePointAt(0)!) };
    }
  }

  private group(): Node {
    let capture = true;
    let name: string | undefined;
    if (this.peek() === '?') {
      const rest = this.cps.slice(this.pos, this.pos + 80).join('');
      const named = /^\?P?<([^>]*)>/.exec(rest);
      if (rest.startsWith('?:')) {
        capture = false;
        this.pos += 2;
      } else if (named !== null && JS_GROUP_NAME.test(named[1]!)) {
        name = named[1];
        this.pos += [...named[0]].length;
      } else {
        throw new Unsupported();
      }
    }
    const body = this.alternation();
    if (this.peek() !== ')') throw new Unsupported();
    this.pos++;
    return { kind: 'group', capture, name, body };
  }

  private escape(inClass: boolean): CharSet {
    const ch = this.peek();
    if (ch === undefined) throw new Unsupported();
    this.pos++;
    const set = ESCAPE_SETS[ch];
    // Negated escapes inside a class would need set difference of the class; keep it simple.
    if (set !== undefined && (!inClass || ch === 'd' || ch === 'w' || ch === 's')) return set;
    const code = ESCAPE_CHARS[ch];
    if (code !== undefined) return single(code);
    if (ASCII_PUNCTUATION.test(ch)) return single(ch.codePointAt(0)!);
    throw new Unsupported();
  }

  private classItem(): CharSet | number {
    const ch = this.peek();
    if (ch === undefined) throw new Unsupported();
    this.pos++;
    if (ch === '\\') {
      const set = this.escape(true);
      return set.length === 1 && set[0]![0] === set[0]![1] ? set[0]![0] : set;
    }
    if (ch === '[' && this.peek() === ':') throw new Unsupported();
    return ch.codePointAt(0)!;
  }

  private charClass(): CharSet {
    const negated = this.peek() === '^';
    if (negated) this.pos++;
    const parts: CharSet[] = [];
    let first = true;
    while (this.peek() !== ']' || first) {
      first = false;
      // RE2 reads a `]` right after `[` or `[^` as a literal.
      const lo = this.classItem();
      if (typeof lo === 'number' && this.peek() === '-' && this.peek(1) !== ']') {
        this.pos++;
        const hi = this.classItem();
        if (typeof hi !== 'number' || hi < lo) throw new Unsupported();
        parts.push([[lo, hi]]);
      } else {
        parts.push(typeof lo === 'number' ? single(lo) : lo);
      }
    }
    this.pos++;
    const set = union(...parts);
    return negated ? complement(set) : set;
  }
}

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
