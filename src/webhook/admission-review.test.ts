import { describe, expect, it } from 'vitest';
import { admissionReviewResponse, allow, allowWithPatch, deny } from './admission-review.js';
import { parseAdmissionReview } from './parse-admission-review.js';

describe('admissionReviewResponse', () => {
  it('omits patchType and patch when there is nothing to change', () => {
    expect(admissionReviewResponse('u', allowWithPatch([], []))).toEqual({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: 'u', allowed: true },
    });
  });

  it('encodes a non-empty patch as base64 JSON with patchType JSONPatch', () => {
    const patch = [{ op: 'add' as const, path: '/a', value: 1 }];
    const { response } = admissionReviewResponse('u', allowWithPatch(patch, ['note']));
    expect(response.patchType).toBe('JSONPatch');
    expect(JSON.parse(Buffer.from(response.patch!, 'base64').toString('utf8'))).toEqual(patch);
    expect(response.warnings).toEqual(['note']);
  });

  it('puts a denial under status, the field the API server reads', () => {
    const { response } = admissionReviewResponse('u', deny(403, 'no'));
    expect(response).toEqual({
      uid: 'u',
      allowed: false,
      status: { code: 403, message: 'no', reason: 'Forbidden' },
    });
  });

  it('caps a runaway warning', () => {
    const { response } = admissionReviewResponse('u', allow(['x'.repeat(10_000)]));
    expect(response.warnings?.[0]).toHaveLength(1024);
  });
});

describe('parseAdmissionReview', () => {
  const request = {
    uid: 'abc',
    kind: { group: 'g', version: 'v', kind: 'K' },
    operation: 'CREATE',
    object: {},
    dryRun: true,
  };

  it('reads the request fields', () => {
    const parsed = parseAdmissionReview({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request,
    });
    expect(parsed).toMatchObject({
      ok: true,
      request: { uid: 'abc', operation: 'CREATE', dryRun: true, namespace: undefined },
    });
  });

  it.each([
    [
      'a wrong kind',
      { apiVersion: 'admission.k8s.io/v1', kind: 'Pod', request },
      'abc',
      /expected apiVersion/,
    ],
    [
      'no uid',
      {
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: { ...request, uid: 1 },
      },
      '',
      /no uid/,
    ],
    [
      'no operation',
      { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { uid: 'x' } },
      'x',
      /no operation/,
    ],
  ])('rejects %s, echoing what uid it can', (_label, body, uid, message) => {
    const parsed = parseAdmissionReview(body);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.uid).toBe(uid);
      expect(parsed.decision.status?.message).toMatch(message);
      expect(parsed.decision.outcome).toBe('rejected');
    }
  });
});
