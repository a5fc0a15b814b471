import fc from 'fast-check';
import jsonPatch, { type Operation } from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { applyPatchCopyOnWrite } from './patch-apply.js';
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

describe('computeJsonPatch against fast-json-patch', () => {
  const json = fc.jsonValue({ maxDepth: 4 });
  /** A second object derived from the first, sharing some subtrees (as the mutation's copies do). */
  const pair = fc
    .tuple(fc.dictionary(fc.string({ maxLength: 3 }), json), fc.dictionary(fc.string(), json))
    .chain(([original, extra]) =>
      fc
        .subarray(Object.keys(original))
        .map(
          (kept) =>
            [
              original,
              { ...Object.fromEntries(kept.map((k) => [k, original[k]])), ...extra },
            ] as const,
        ),
    );

  it('produces exactly the operations of jsonPatch.compare, and they rebuild the mutated object', () => {
    // fast-json-patch refuses `__proto__` keys outright; ours is covered by its own test below.
    const comparable = pair.filter((objects) => !JSON.stringify(objects).includes('"__proto__"'));
    fc.assert(
      fc.property(comparable, ([original, mutated]) => {
        const patch = computeJsonPatch(original, mutated);
        // Byte for byte, as the API server receives it.
        expect(JSON.stringify(patch)).toBe(JSON.stringify(jsonPatch.compare(original, mutated)));
        expect(
          jsonPatch.applyPatch(structuredClone(original), structuredClone(patch)).newDocument,
        ).toEqual(mutated);
      }),
      { numRuns: 2_000 },
    );
  });

  it('diffs frozen inputs (the mutation shares read-only parts of the request object)', () => {
    const original = deepFreeze({ a: { b: [1, 2, { c: 3 }] }, d: 'x' });
    const mutated = { ...original, a: { b: [1, { c: 4 }] }, e: { f: 1 } };
    expect(computeJsonPatch(original, mutated)).toEqual(jsonPatch.compare(original, mutated));
  });
});

describe('applyPatchCopyOnWrite', () => {
  it('refuses operations that do not apply, as the API server would', () => {
    const document = { a: { b: [1] } };
    for (const operation of [
      { op: 'add', path: '/x/y', value: 1 },
      { op: 'replace', path: '/a/c', value: 1 },
      { op: 'remove', path: '/a/b/1' },
      { op: 'add', path: '/a/b/2', value: 1 },
      { op: 'add', path: '/a/b/01', value: 1 },
      { op: 'add', path: 'a', value: 1 },
    ] as Operation[]) {
      expect(() => applyPatchCopyOnWrite(document, [operation])).toThrow();
    }
    expect(document).toEqual({ a: { b: [1] } });
  });

  it('applies add, replace and remove like fast-json-patch, without touching the document', () => {
    const document = deepFreeze({ a: { b: [1, 2], 'x/y~': 1 }, c: 1, d: { e: 1 } });
    const patch: Operation[] = [
      { op: 'add', path: '/a/b/1', value: 9 },
      { op: 'add', path: '/a/b/-', value: 10 },
      { op: 'replace', path: '/a/x~1y~0', value: 2 },
      { op: 'remove', path: '/c' },
    ];
    const expected = jsonPatch.applyPatch(
      structuredClone(document),
      structuredClone(patch),
    ).newDocument;
    expect(applyPatchCopyOnWrite(document, patch)).toEqual(expected);
  });

  it('adds a key named __proto__ as an own property, as a JSON document has it', () => {
    const patched = applyPatchCopyOnWrite({ d: {} }, [
      { op: 'add', path: '/d/__proto__', value: { polluted: true } },
    ]) as { d: object };
    expect(Object.getPrototypeOf(patched.d)).toBe(Object.prototype);
    expect(JSON.stringify(patched)).toBe('{"d":{"__proto__":{"polluted":true}}}');
  });
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
