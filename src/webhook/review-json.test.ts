import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  admissionReviewResponse,
  allow,
  allowWithPatch,
  deny,
  internalError,
  reject,
} from './admission-review.js';
import { admissionReviewParts, jsonText, serialiseAdmissionReview } from './review-json.js';

const LARGE_WITH_ESCAPES = `${'line "quoted" \\ back\n\ttab \u0001 \ud800 lone \u2028 '.repeat(200)}end`;

describe('jsonText', () => {
  it('writes what JSON.stringify writes, for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(jsonText(value)).toBe(JSON.stringify(value));
      }),
      { numRuns: 2_000 },
    );
  });

  it('writes large strings (kept literals) exactly, on first and later use', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 2048, maxLength: 4096 }), (text) => {
        expect(jsonText({ a: [text] })).toBe(JSON.stringify({ a: [text] }));
        expect(jsonText(text)).toBe(JSON.stringify(text));
      }),
      { numRuns: 20 },
    );
    expect(jsonText(LARGE_WITH_ESCAPES)).toBe(JSON.stringify(LARGE_WITH_ESCAPES));
    expect(jsonText(LARGE_WITH_ESCAPES)).toBe(JSON.stringify(LARGE_WITH_ESCAPES));
  });
});

describe('serialiseAdmissionReview', () => {
  it('is byte for byte the JSON of admissionReviewResponse, for every kind of decision', () => {
    const decisions = [
      allow(),
      allow(['a warning "quoted"', 'x'.repeat(2000)]),
      allowWithPatch(
        [
          { op: 'replace', path: '/spec/config', value: LARGE_WITH_ESCAPES },
          { op: 'add', path: '/metadata/annotations', value: { 'a/b': LARGE_WITH_ESCAPES } },
          { op: 'remove', path: '/spec/x~1y' },
        ],
        ['w'],
      ),
      deny(403, 'no "way"', ['w1']),
      reject(400, 'bad'),
      internalError('boom\n'),
    ];
    for (const decision of decisions) {
      for (const uid of ['', 'uid-1', 'odd "uid"\u0000']) {
        expect(serialiseAdmissionReview(uid, decision)).toBe(
          JSON.stringify(admissionReviewResponse(uid, decision)),
        );
      }
    }
  });
});

describe('admissionReviewParts', () => {
  it('joins into the same bytes, with the base64 patch apart and ASCII, for ASCII and other patches', () => {
    for (const value of ['plain ascii', LARGE_WITH_ESCAPES, 'caf\u00e9 \u{1f600}']) {
      const decision = allowWithPatch([{ op: 'add', path: '/spec/config', value }], []);
      const { head, patch, tail } = admissionReviewParts('u1', decision);
      expect(head + (patch ?? '') + tail).toBe(
        JSON.stringify(admissionReviewResponse('u1', decision)),
      );
      expect(patch).toMatch(/^[A-Za-z0-9+/=]+$/);
      expect(head.endsWith('"patch":"')).toBe(true);
    }
    expect(admissionReviewParts('u2', allow()).patch).toBeUndefined();
  });
});
