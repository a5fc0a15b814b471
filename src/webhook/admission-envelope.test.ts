import { describe, expect, it } from 'vitest';
import { parseEnvelopeObject, readAdmissionEnvelope } from './admission-envelope.js';
import { parseAdmissionReview } from './parse-admission-review.js';
import { admissionReviewRequest } from './review-client.js';

const collector = {
  apiVersion: 'opentelemetry.io/v1alpha1',
  kind: 'OpenTelemetryCollector',
  metadata: { name: 'c', namespace: 'ns' },
  spec: { config: 'receivers: {} # ü 🎉 "q" \\\n' },
};

describe('readAdmissionEnvelope', () => {
  it('reads the request as the whole parse does, and its object when asked', () => {
    const review = admissionReviewRequest(collector, {
      uid: 'ü-1',
      operation: 'UPDATE',
      namespace: 'ns',
      dryRun: true,
      oldObject: { old: true },
    });
    const raw = Buffer.from(JSON.stringify(review), 'utf8');
    const envelope = readAdmissionEnvelope(raw);
    const whole = parseAdmissionReview(JSON.parse(raw.toString('utf8')));
    if (envelope === undefined || !whole.ok) throw new Error('expected both to read the review');
    expect({ ...envelope.request, object: parseEnvelopeObject(envelope) }).toEqual(whole.request);
    expect(envelope.request.object).toBeUndefined();
    expect(envelope.objectBytes.toString('utf8')).toBe(JSON.stringify(collector));
  });

  it('leaves to the whole parse a body that is not valid JSON around the object, or not a review', () => {
    const text = JSON.stringify(admissionReviewRequest(collector, { uid: 'u' }));
    const cases = [
      text.replace('"uid":"u"', '"uid":u'),
      text.replace('"operation":"CREATE"', '"operation":""'),
      text.replace('"kind":"AdmissionReview"', '"kind":"Other"'),
      // A second request (escaped key) whose object is null: JSON.parse keeps that one.
      text.replace(/}$/, ',"r\\u0065quest":{"uid":"v","operation":"CREATE","object":null}}'),
    ];
    for (const body of cases) expect(readAdmissionEnvelope(Buffer.from(body))).toBeUndefined();
  });
});
