import { ANY, DIGIT, SPACE, WORD, complement, single, union, type CharSet } from './char-set.js';

/**
 * A parser for the subset of RE2 syntax that regex-translate.ts can run on V8. It assumes RE2 has
 * already accepted the regex, and throws `Unsupported` for anything outside the subset, which then
 * simply stays on RE2. Single-character matchers become explicit code point sets.
 */
export type Node =
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

export class Unsupported extends Error {}

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

export class Parser {
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
