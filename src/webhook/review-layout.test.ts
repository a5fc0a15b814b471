import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { admissionReviewRequest } from './review-client.js';
import { locateReviewObject } from './review-layout.js';

const collector = {
  apiVersion: 'opentelemetry.io/v1alpha1',
  kind: 'OpenTelemetryCollector',
  metadata: { name: 'c', namespace: 'ns', labels: { 'a/b': 'x"y\\z' } },
  spec: { config: 'receivers:\n  prometheus: {}\n# "quoted" \\ back\\\\slashes ü 🎉\n' },
};

function objectOf(text: string): unknown {
  const bytes = Buffer.from(text, 'utf8');
  const range = locateReviewObject(bytes);
  if (range === undefined) return undefined;
  return JSON.parse(bytes.toString('utf8', range.start, range.end)) as unknown;
}

describe('locateReviewObject', () => {
  it('finds request.object in a review as the API server and JSON.stringify write it, indented or not', () => {
    const review = admissionReviewRequest(collector, {
      uid: 'u',
      operation: 'UPDATE',
      oldObject: collector,
    });
    for (const indent of [undefined, 2, '\t']) {
      expect(objectOf(JSON.stringify(review, null, indent))).toEqual(collector);
    }
  });

  it('finds exactly the object among any members, strings and nesting around it', () => {
    const json = fc.jsonValue();
    // Keys JSON writes without escapes (an escaped key sends the caller to the whole parse).
    const key = fc
      .string()
      .filter((k) => JSON.stringify(k) === `"${k}"` && k !== 'object' && k !== 'request');
    const members = fc.dictionary(key, json, { maxKeys: 4 });
    fc.assert(
      fc.property(
        members,
        members,
        fc.dictionary(fc.string({ unit: 'grapheme' }), json),
        members,
        fc.constantFrom(undefined, 1, '  '),
        (review, before, object, after, indent) => {
          const body = { ...review, request: { ...before, object, ...after } };
          // As JSON has it (-0 is written 0).
          const expected = JSON.parse(JSON.stringify(object)) as unknown;
          expect(objectOf(JSON.stringify(body, null, indent))).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives undefined for what it does not read, so the caller parses the whole body', () => {
    const review = JSON.stringify(admissionReviewRequest(collector, { uid: 'u' }));
    const cases = [
      review.slice(0, -1),
      `${review}x`,
      review.replace('"request":', '"request":{"object":{}},"request":'),
      review.replace('"object":', '"object":{},"object":'),
      review.replace('"object":', '"obj\\u0065ct":'),
      review.replace('"request":', '"r\\u0065quest":{"object":null},"request":'),
      JSON.stringify(admissionReviewRequest(null, { uid: 'u' })),
      JSON.stringify({ request: { object: [1] } }),
      JSON.stringify({ request: { object: '{}' } }),
      JSON.stringify({ request: null }),
      '[]',
      '',
    ];
    for (const text of cases) expect(locateReviewObject(Buffer.from(text))).toBeUndefined();
  });
});
