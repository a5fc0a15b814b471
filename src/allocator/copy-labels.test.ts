import { describe, expect, it } from 'vitest';
import { copyLabels } from './copy-labels.js';

describe('copyLabels', () => {
  it('is {...into, ...from}: later keys win, order kept, a __proto__ label stays a label', () => {
    const from: Record<string, string> = JSON.parse('{"b":"2","__proto__":"p","a":"9"}') as Record<
      string,
      string
    >;
    const out = copyLabels({ a: '1', c: '3' }, from);
    expect(Object.keys(out)).toEqual(['a', 'c', 'b', '__proto__']);
    expect(out).toEqual({ a: '9', c: '3', b: '2', ['__proto__']: 'p' });
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});
