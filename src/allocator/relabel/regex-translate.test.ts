import fc from 'fast-check';
import RE2 from 're2';
import { describe, expect, it } from 'vitest';
import { translateToJs } from './regex-translate.js';

function groups(m: RegExpExecArray | null): string[] | null {
  return m === null ? null : Array.from(m, (g) => g ?? '');
}

/** Patterns the translation accepts, with an alphabet that exercises them. */
const TRANSLATABLE = [
  '([^:]+)(?::\\d+)?;(\\d+)',
  '(?:.+,|^)label:([^=]+)=([^,]+).*',
  'a(b|bc)(c?)d*',
  '(?P<host>[^:]+):(?<port>\\d+)',
  '([a-c]{1,3}?)(b*)(.*)',
  '[]a-]+\\s\\S',
  '\\w+\\W?[\\d,]{2}',
  '(a|)?b{0,2}',
  'x.y',
  '[^\\n]*\\n(.*)',
  'a{2,}b{1,3}c{2}',
];

describe('translateToJs', () => {
  it.each(TRANSLATABLE)('%s gives the same matches and groups as RE2', (source) => {
    const js = translateToJs(source);
    expect(js).toBeDefined();
    const re2 = new RE2(`^(?s:${source})$`, 'u');
    const alphabet = fc.constantFrom(
      'a',
      'b',
      'c',
      'd',
      ':',
      ';',
      '1',
      '9',
      ',',
      '=',
      ' ',
      '\n',
      '\t',
      'é',
      '😀',
      'x',
      'y',
      '-',
      ']',
      '{',
      '}',
      '3',
    );
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 14 }).map((cs) => cs.join('')),
        (input) => {
          expect(groups(js!.regex.exec(input))).toEqual(groups(re2.exec(input)));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('matches named groups under the same names', () => {
    const js = translateToJs('(?P<host>[^:]+):(?<port>\\d+)')!;
    expect(js.regex.exec('db:5432')?.groups).toEqual({ host: 'db', port: '5432' });
  });

  it('keeps syntax it does not model on RE2', () => {
    for (const source of [
      '(?i)abc',
      '\\bword',
      '\\pL+',
      '[[:alpha:]]',
      '(a)(?:b\\1)',
      '\\Qa.b\\E',
      '\\x41',
      '(?P<1x>a)',
      '[\\S]',
    ]) {
      expect(translateToJs(source), source).toBeUndefined();
    }
  });

  it('refuses unbounded repeats of groups, the classic catastrophic backtracking shape', () => {
    expect(translateToJs('(a|a)*b')).toBeUndefined();
    expect(translateToJs('(a*)*b')).toBeUndefined();
    expect(translateToJs('(?:ab)+')).toBeUndefined();
  });

  it('refuses repeating a group with captures more than once (V8 resets them, RE2 keeps them)', () => {
    expect(translateToJs('(?:(a)|b){2}')).toBeUndefined();
    expect(translateToJs('(?:a|b){2}')).toBeDefined();
  });

  it('limits the input length by how ambiguous the regex is', () => {
    // Deterministic repeats (nothing after them competes for their characters): long inputs are fine.
    expect(translateToJs('([a-z]+):(\\d+)')!.maxInputLength).toBeGreaterThan(5000);
    // One ambiguous repeat: quadratic worst case, moderate inputs.
    const address = translateToJs('([^:]+)(?::\\d+)?;(\\d+)')!.maxInputLength;
    expect(address).toBeGreaterThanOrEqual(40);
    expect(address).toBeLessThan(200);
    // Three ambiguous repeats: quartic, short inputs only.
    expect(translateToJs('.*a.*a.*b')!.maxInputLength).toBeLessThan(address);
  });

  it('treats an unparseable brace the way RE2 would, by deferring to it', () => {
    expect(translateToJs('a{x}')).toBeUndefined();
  });
});
