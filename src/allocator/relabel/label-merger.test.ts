import { describe, expect, it } from 'vitest';
import type { Labels } from '../model.js';
import { LabelMerger } from './label-merger.js';

describe('LabelMerger', () => {
  it('merges like {...fallback, ...base}: base values win, fallback key order first', () => {
    const merger = new LabelMerger();
    const out = merger.merge({ a: '1', shared: 'group', b: '2' }, { shared: 'target', c: '3' });
    expect(out).toEqual({ a: '1', shared: 'target', b: '2', c: '3' });
    expect(Object.keys(out)).toEqual(['a', 'shared', 'b', 'c']);
  });

  it('follows a change of key layout', () => {
    const merger = new LabelMerger();
    expect(merger.merge({ a: '1' }, { b: '2' })).toEqual({ a: '1', b: '2' });
    expect(merger.merge({ a: '1', x: '9' }, { b: '2' })).toEqual({ a: '1', x: '9', b: '2' });
    expect(merger.merge({ x: '9', a: '1' }, { b: '3' })).toEqual({ x: '9', a: '1', b: '3' });
    expect(merger.merge({ a: '1' }, { b: '4' })).toEqual({ a: '1', b: '4' });
  });

  it('keeps label names that are not identifiers, or that look like code, as plain keys', () => {
    const merger = new LabelMerger();
    const odd = { 'a"b': '1', "'];process.exit(1);//": '2', 'ü-ñ': '3', '\u2028': '4' };
    expect(merger.merge(odd, { z: '5' })).toEqual({ ...odd, z: '5' });
  });

  it('keeps a label named __proto__ as an own label', () => {
    const merger = new LabelMerger();
    const fallback = JSON.parse('{"__proto__":"p"}') as Labels;
    const out = merger.merge(fallback, { a: '1' });
    expect(Object.keys(out)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});
