import { describe, expect, it } from 'vitest';
import {
  AdmissionAnswerCache,
  answerFor,
  objectKey,
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

function joined(uid: string, cached: CachedAnswer): string {
  const { head, rest } = answerFor(uid, cached);
  return Buffer.concat([Buffer.from(head, 'utf8'), rest]).toString('utf8');
}

const key: AnswerKey = {
  endpoint: 'mutate',
  operation: 'CREATE',
  namespace: 'ns',
  name: 'c',
  scope: {},
};

/** An answer the cache counts as `2 * characters` bytes (its text, then its buffer). */
function answer(characters: number): CachedAnswer {
  return {
    afterUid: ' '.repeat(characters),
    patch: undefined,
    tail: '',
    rest: undefined,
    summary: { outcome: 'allowed', allowed: true, patchOperations: 0, status: undefined },
  };
}

describe('prepareAnswer and answerFor', () => {
  it('write the bytes of the serialised review, for the uid it was prepared with and any other, copying the rest once', () => {
    for (const decision of decisions) {
      const { cached, parts } = prepareAnswer('first', decision);
      expect(parts.head + (parts.patch ?? '') + parts.tail).toBe(
        serialiseAdmissionReview('first', decision),
      );
      expect(cached.rest).toBeUndefined();
      for (const uid of ['first', 'ü-"other"', '']) {
        expect(joined(uid, cached)).toBe(serialiseAdmissionReview(uid, decision));
      }
      const rest = cached.rest;
      expect(answerFor('again', cached).rest).toBe(rest);
      expect(cached.summary).toEqual({
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
    cache.set('{"a":1}', key, cached);
    expect(cache.get('{"a":1}', { ...key })).toBe(cached);
    expect(cache.get('{"a": 1}', key)).toBeUndefined();
    for (const change of [
      { endpoint: 'validate' as const },
      { operation: 'UPDATE' },
      { namespace: undefined },
      { name: 'd' },
      { scope: {} },
    ]) {
      expect(cache.get('{"a":1}', { ...key, ...change })).toBeUndefined();
    }
  });

  it('keys an object by its exact bytes', () => {
    const bytes = Buffer.from('{"a":"ü 🎉"}', 'utf8');
    const key = objectKey(bytes);
    expect(Buffer.from(key, 'latin1').equals(bytes)).toBe(true);
    expect(objectKey(Buffer.from('{"a":"u 🎉"}', 'utf8'))).not.toBe(key);
  });

  it('keeps a few answers per object, replacing one for the same key', () => {
    const cache = new AdmissionAnswerCache();
    const names = ['a', 'b', 'c', 'd', 'e'];
    for (const name of names) cache.set('{}', { ...key, name }, answer(1));
    expect(cache.get('{}', { ...key, name: 'a' })).toBeUndefined();
    expect(cache.get('{}', { ...key, name: 'e' })).toBeDefined();
    const replacement = answer(3);
    cache.set('{}', { ...key, name: 'e' }, replacement);
    expect(cache.get('{}', { ...key, name: 'e' })).toBe(replacement);
    expect(cache.keptBytes).toBe(2 + 2 * (1 + 1 + 1 + 3));
  });

  it('stays within its bounds of objects and bytes, the oldest object leaving first', () => {
    const cache = new AdmissionAnswerCache({ objects: 3, bytes: 100, maxObjectBytes: 20 });
    for (const object of ['{"1":1}', '{"2":2}', '{"3":3}', '{"4":4}']) {
      cache.set(object, key, answer(5));
    }
    expect(cache.size).toBe(3);
    expect(cache.get('{"1":1}', key)).toBeUndefined();
    expect(cache.get('{"4":4}', key)).toBeDefined();
    cache.set('{"5":5}', key, answer(40));
    expect(cache.keptBytes).toBeLessThanOrEqual(100);
    expect(cache.get('{"5":5}', key)).toBeDefined();
    cache.set(`{"x":"${'x'.repeat(20)}"}`, key, answer(1));
    cache.set('{"6":6}', key, answer(200));
    expect(cache.get(`{"x":"${'x'.repeat(20)}"}`, key)).toBeUndefined();
    expect(cache.get('{"6":6}', key)).toBeUndefined();
    expect(cache.keptBytes).toBeLessThanOrEqual(100);
  });
});
