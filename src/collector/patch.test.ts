import { describe, expect, it } from 'vitest';
import { computeJsonPatch } from './patch.js';

describe('computeJsonPatch', () => {
  it('returns the diff that turns the original into the mutated object', () => {
    const original = { metadata: { name: 'a' }, spec: { env: [{ name: 'A' }] } };
    const mutated = {
      metadata: { name: 'a', annotations: { 'x/y': '1' } },
      spec: { env: [{ name: 'A' }, { name: 'POD_NAME' }] },
    };
    expect(computeJsonPatch(original, mutated)).toEqual([
      { op: 'add', path: '/spec/env/1', value: { name: 'POD_NAME' } },
      { op: 'add', path: '/metadata/annotations', value: { 'x/y': '1' } },
    ]);
  });

  it('is empty for equal objects', () => {
    expect(computeJsonPatch({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toEqual([]);
  });

  it('escapes / and ~ in keys', () => {
    const patch = computeJsonPatch({ a: {} }, { a: { 'otel-ta.dev/x~y': 'v' } });
    expect(patch).toEqual([{ op: 'add', path: '/a/otel-ta.dev~1x~0y', value: 'v' }]);
  });

  it('does not mutate its inputs', () => {
    const original = { a: [1, 2, 3] };
    computeJsonPatch(original, { a: [3] });
    expect(original).toEqual({ a: [1, 2, 3] });
  });
});
