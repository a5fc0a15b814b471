import { describe, expect, it } from 'vitest';
import {
  AdmissionAnswerCache,
  answerFor,
  prepareAnswer,
  type AnswerKey,
  type CachedAnswer,
} from './admission-answer-cache.js';
import { allow, allowWithPatch, deny, type AdmissionDecision } from './admission-review.js';
import { serialiseAdmissionReview } from './review-json.js';

const decisions: AdmissionDecision[] = [
  allow(),
  allow(['a "quoted" warning ü']),
  deny(403, 'no\nway 🎉', ['w']),
  allowWithPatch(
    [
      { op: 'replace', path: '/spec/config', value: 'a: ü\n'.repeat(2000) },
      { op: 'add', path: '/metadata/annotations', value: { k: 'v' } },
    ],
    ['one', 'two'],
  ),
];

const B = (text: string): Buffer => Buffer.from(text, 'utf8');

function joined(uid: string, rest: Buffer): string {
  const { head } = answerFor(uid, rest);
  return Buffer.concat([Buffer.from(head, 'utf8'), rest]).toString('utf8');
}

const key: AnswerKey = {
  endpoint: 'mutate',
  operation: 'CREATE',
  namespace: 'ns',
  name: 'c',
  scope: {},
};

function answer(bytes: number): CachedAnswer {
  return {
    rest: Buffer.alloc(bytes, 0x20),
    summary: { outcome: 'allowed', allowed: true, patchOperations: 0, status: undefined },
  };
}

describe('prepareAnswer and answerFor', () => {
  it('write the bytes of the serialised review, for the uid it was prepared with and any other', () => {
    for (const decision of decisions) {
      const prepared = prepareAnswer('first', decision);
      for (const uid of ['first', 'ü-"other"', '']) {
        expect(joined(uid, prepared.rest)).toBe(serialiseAdmissionReview(uid, decision));
      }
      expect(prepared.summary).toEqual({
        outcome: decision.outcome,
        allowed: decision.allowed,
        patchOperations: decision.patch.length,
        status: decision.status,
      });
    }
  });
});

describe('AdmissionAnswerCache', () => {
  it('answers only the same object bytes with every key field the same', () => {
    const cache = new AdmissionAnswerCache();
    const cached = answer(10);
    cache.set(B('{"a":1}'), key, cached);
    expect(cache.get(B('{"a":1}'), { ...key })).toBe(cached);
    expect(cache.get(B('{"a": 1}'), key)).toBeUndefined();
    for (const change of [
      { endpoint: 'validate' as const },
      { operation: 'UPDATE' },
      { namespace: undefined },
      { name: 'd' },
      { scope: {} },
    ]) {
      expect(cache.get(B('{"a":1}'), { ...key, ...change })).toBeUndefined();
    }
  });

  it('tells apart objects that share a length and every sampled byte, and keeps its own copy', () => {
    const cache = new AdmissionAnswerCache();
    const first = Buffer.alloc(1000, 0x61);
    const second = Buffer.from(first);
    second[1] = 0x62; // between the sampled bytes
    const [a, b] = [answer(1), answer(2)];
    cache.set(first, key, a);
    cache.set(second, key, b);
    expect(cache.get(first, key)).toBe(a);
    expect(cache.get(second, key)).toBe(b);
    first[1] = 0x63;
    expect(cache.get(first, key)).toBeUndefined();
    expect(cache.get(Buffer.alloc(1000, 0x61), key)).toBe(a);
  });

  it('keeps a few answers per object, replacing one for the same key', () => {
    const cache = new AdmissionAnswerCache();
    const names = ['a', 'b', 'c', 'd', 'e'];
    for (const name of names) cache.set(B('{}'), { ...key, name }, answer(1));
    expect(cache.get(B('{}'), { ...key, name: 'a' })).toBeUndefined();
    expect(cache.get(B('{}'), { ...key, name: 'e' })).toBeDefined();
    const replacement = answer(3);
    cache.set(B('{}'), { ...key, name: 'e' }, replacement);
    expect(cache.get(B('{}'), { ...key, name: 'e' })).toBe(replacement);
    expect(cache.keptBytes).toBe(2 + 1 + 1 + 1 + 3);
  });

  it('stays within its bounds of objects and bytes, the oldest object leaving first', () => {
    const cache = new AdmissionAnswerCache({ objects: 3, bytes: 100, maxObjectBytes: 20 });
    for (const object of ['{"1":1}', '{"2":2}', '{"3":3}', '{"4":4}']) {
      cache.set(B(object), key, answer(5));
    }
    expect(cache.size).toBe(3);
    expect(cache.get(B('{"1":1}'), key)).toBeUndefined();
    expect(cache.get(B('{"4":4}'), key)).toBeDefined();
    cache.set(B('{"5":5}'), key, answer(80));
    expect(cache.keptBytes).toBeLessThanOrEqual(100);
    expect(cache.get(B('{"5":5}'), key)).toBeDefined();
    cache.set(B(`{"x":"${'x'.repeat(20)}"}`), key, answer(1));
    cache.set(B('{"6":6}'), key, answer(200));
    expect(cache.get(B(`{"x":"${'x'.repeat(20)}"}`), key)).toBeUndefined();
    expect(cache.get(B('{"6":6}'), key)).toBeUndefined();
    expect(cache.keptBytes).toBeLessThanOrEqual(100);
  });
});
