import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  firstQueryValue,
  MalformedEscapeError,
  queryEscape,
  queryUnescape,
} from './query-escape.js';

describe('queryEscape (Go url.QueryEscape)', () => {
  it('writes a space as + and reserved characters as upper-case %XX', () => {
    expect(queryEscape('my job/a')).toBe('my+job%2Fa');
    expect(queryEscape("a!b'c(d)e*f")).toBe('a%21b%27c%28d%29e%2Af');
    expect(queryEscape('safe-_.~09AZaz')).toBe('safe-_.~09AZaz');
    expect(queryEscape('ü')).toBe('%C3%BC');
  });
});

describe('queryUnescape (Go url.QueryUnescape)', () => {
  it('decodes + as a space and %2F as a slash', () => {
    expect(queryUnescape('my+job%2Fa')).toBe('my job/a');
  });

  it('rejects a % without two hex digits', () => {
    expect(() => queryUnescape('bad%zz')).toThrow(MalformedEscapeError);
    expect(() => queryUnescape('trailing%4')).toThrow(MalformedEscapeError);
  });

  it('inverts queryEscape for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        expect(queryUnescape(queryEscape(s))).toBe(s);
      }),
    );
  });
});

describe('firstQueryValue', () => {
  it('returns only the first occurrence, unescaped', () => {
    expect(firstQueryValue('collector_id=a+b&collector_id=c', 'collector_id')).toBe('a b');
    expect(firstQueryValue('x=1&collector_id=%41', 'collector_id')).toBe('A');
    expect(firstQueryValue('collector_id', 'collector_id')).toBe('');
    expect(firstQueryValue('other=1', 'collector_id')).toBeUndefined();
    expect(firstQueryValue('', 'collector_id')).toBeUndefined();
  });
});
