import { describe, expect, it } from 'vitest';
import { mergeLabels } from './merge-labels.js';

describe('mergeLabels', () => {
  it('is {...a, ...b}: later sets win, first positions kept, a __proto__ label stays a label', () => {
    const withProto = JSON.parse('{"b":"2","__proto__":"p","a":"9"}') as Record<string, string>;
    const out = mergeLabels({ a: '1', c: '3' }, withProto, undefined);
    expect(Object.keys(out)).toEqual(['a', 'c', 'b', '__proto__']);
    expect(out).toEqual({ a: '9', c: '3', b: '2', ['__proto__']: 'p' });
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});
