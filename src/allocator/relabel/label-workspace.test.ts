import { describe, expect, it } from 'vitest';
import { LabelWorkspace } from './label-workspace.js';

describe('LabelWorkspace', () => {
  it('reads the base over the fallback over the defaults, an empty value counting as absent', () => {
    const labels = new LabelWorkspace({ a: '1', b: '' }, { b: '2', c: '3' }, { b: 'd', e: 'd' });
    expect(['a', 'b', 'c', 'e', 'z'].map((n) => labels.get(n))).toEqual(['1', 'd', '3', 'd', '']);
  });

  it('forgets every change and label set on reset, as a new workspace would start', () => {
    const labels = new LabelWorkspace({ a: '1' });
    labels.set('b', '2');
    labels.delete('a');
    labels.reset({ c: '3' }, { a: 'f' });
    expect(labels.changes().size).toBe(0);
    expect(['a', 'b', 'c'].map((n) => labels.get(n))).toEqual(['f', '', '3']);
    labels.set('a', 'x');
    expect(labels.toLabels()).toEqual({ a: 'x', c: '3' });
  });
});
