import { describe, expect, it } from 'vitest';
import { fileGlobMatcher } from './file-glob.js';

describe('fileGlobMatcher', () => {
  it('matches * and ? within the name and treats everything else literally', () => {
    const matcher = fileGlobMatcher('targets-*.j?on');
    expect(matcher.test('targets-a.json')).toBe(true);
    expect(matcher.test('targets-.json')).toBe(true);
    expect(matcher.test('targets-a.jsonx')).toBe(false);
    expect(matcher.test('targets-a/b.json')).toBe(false);
    expect(fileGlobMatcher('a+(b).json').test('a+(b).json')).toBe(true);
    expect(fileGlobMatcher('a+(b).json').test('aa(b).json')).toBe(false);
  });

  it('answers a glob with many stars over a long name at once (linear time, no backtracking)', () => {
    const matcher = fileGlobMatcher(`${'a*'.repeat(16)}b.json`);
    expect(matcher.test(`${'a'.repeat(4000)}.json`)).toBe(false);
    expect(matcher.test(`${'a'.repeat(4000)}b.json`)).toBe(true);
  });
});
