import RE2 from 're2';
import { BoundedCache } from './bounded-cache.js';
import type { MatchGroups } from './template.js';
import { jsMatcher, translateToJs } from './regex-translate.js';

/**
 * A relabel regex: RE2 syntax, fully anchored, `.` matching newlines (Prometheus compiles
 * `^(?s:<regex>)$`). Every regex is compiled by RE2 once, which is what validates it. Calls into the
 * native binding cost microseconds, so matching avoids them where the answer is certain without
 * them: common shapes (`(.*)`, literals, literal alternations, `prefix(.*)`) are answered in plain
 * JS, and regexes whose backtracking cost is provably bounded for the input at hand run on V8's
 * engine (see regex-translate.ts); everything else goes to RE2 behind a bounded memo table.
 */
export interface RelabelRegex {
  /** The regex as the user wrote it. */
  readonly source: string;
  /** True when the regex is the `(.*)` default, matching everything with group 1 = the input. */
  readonly matchesEverything: boolean;
  /**
   * Set when the regex is `<literal>(.*)` or `<literal>(.+)`: group 1 is the rest after the
   * prefix, so callers such as labelmap can skip building match objects.
   */
  readonly prefixCapture?: { readonly prefix: string; readonly minRest: number } | undefined;
  test(input: string): boolean;
  /** Numbered (and named) groups of the match, or null when the input does not match. */
  exec(input: string): MatchGroups | null;
}

const PLAIN = /^[^\\.+*?()|[\]{}^$]*$/;
const PREFIX_CAPTURE = /^([^\\.+*?()|[\]{}^$]*)\(\.([*+])\)$/;
const PREFIX_ANY = /^([^\\.+*?()|[\]{}^$]*)\.([*+])$/;

/** Distinct input values memoized per regex for the RE2 path; label names and values repeat a lot. */
const RE2_CACHE_CAPACITY = 8192;

export class RegexSyntaxError extends Error {}

/**
 * True when the pattern uses `\C` (any single byte) outside `\Q...\E`: RE2 in C++ accepts it, Go's
 * regexp (Prometheus) rejects it as an invalid escape, so a config Prometheus refuses must not load.
 */
function hasAnyByteEscape(source: string): boolean {
  for (let i = 0; i < source.length; i++) {
    if (source[i] !== '\\') continue;
    const next = source[i + 1];
    if (next === 'C') return true;
    if (next === 'Q') {
      const end = source.indexOf('\\E', i + 2);
      if (end < 0) return false;
      i = end + 1;
      continue;
    }
    i++;
  }
  return false;
}

function compileRe2(source: string): RE2 {
  if (hasAnyByteEscape(source)) throw new RegexSyntaxError('invalid escape sequence: \\C');
  const wrapped = `^(?s:${source})$`;
  try {
    return new RE2(wrapped, 'u');
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // RE2 appends the offending (wrapped) pattern; the user knows their own regex.
    const suffix = message.lastIndexOf(`: ${wrapped}`);
    throw new RegexSyntaxError(suffix > 0 ? message.slice(0, suffix) : message);
  }
}

function groupsOf(...values: string[]): MatchGroups {
  return values;
}

function fastPath(source: string): RelabelRegex | undefined {
  const base = { source, matchesEverything: false };
  if (source === '(.*)') {
    return { source, matchesEverything: true, test: () => true, exec: (s) => groupsOf(s, s) };
  }
  if (source === '.*') return { ...base, test: () => true, exec: (s) => groupsOf(s) };
  if (PLAIN.test(source)) {
    return { ...base, test: (s) => s === source, exec: (s) => (s === source ? groupsOf(s) : null) };
  }
  if (/^[^\\.+*?()[\]{}^$]*$/.test(source)) {
    const options = new Set(source.split('|'));
    return {
      ...base,
      test: (s) => options.has(s),
      exec: (s) => (options.has(s) ? groupsOf(s) : null),
    };
  }
  const capture = PREFIX_CAPTURE.exec(source);
  const any = capture ?? PREFIX_ANY.exec(source);
  if (any !== null) {
    const prefix = any[1]!;
    const minRest = any[2] === '+' ? 1 : 0;
    const test = (s: string): boolean =>
      s.length - prefix.length >= minRest && s.startsWith(prefix);
    return {
      ...base,
      prefixCapture: capture !== null ? { prefix, minRest } : undefined,
      test,
      exec: (s) => {
        if (!test(s)) return null;
        return capture !== null ? groupsOf(s, s.slice(prefix.length)) : groupsOf(s);
      },
    };
  }
  return undefined;
}

class Re2Regex implements RelabelRegex {
  readonly matchesEverything = false;
  private readonly cache = new BoundedCache<MatchGroups | false>(RE2_CACHE_CAPACITY);

  constructor(
    readonly source: string,
    private readonly re2: RE2,
    private readonly js: ((input: string) => MatchGroups | null | undefined) | undefined,
  ) {}

  test(input: string): boolean {
    return this.exec(input) !== null;
  }

  exec(input: string): MatchGroups | null {
    const quick = this.js?.(input);
    if (quick !== undefined) return quick;
    const cached = this.cache.get(input);
    if (cached !== undefined) return cached === false ? null : cached;
    const match = this.re2.exec(input);
    this.cache.set(input, match ?? false);
    return match;
  }
}

/** Compiles a relabel regex; throws RegexSyntaxError with RE2's reason when it is invalid. */
export function compileRelabelRegex(source: string): RelabelRegex {
  const re2 = compileRe2(source);
  const fast = fastPath(source);
  if (fast !== undefined) return fast;
  const translation = translateToJs(source);
  return new Re2Regex(source, re2, translation === undefined ? undefined : jsMatcher(translation));
}

/** The default regex, `(.*)`. */
export const MATCH_EVERYTHING: RelabelRegex = compileRelabelRegex('(.*)');
