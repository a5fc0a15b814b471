import type { AdmissionRequest } from './admission-review.js';
import { parseAdmissionReview } from './parse-admission-review.js';
import { locateReviewObject } from './review-layout.js';

/** An AdmissionReview read around its object: everything but the object is parsed. */
export interface AdmissionEnvelope {
  /** The request, its `object` still unread (undefined). */
  readonly request: AdmissionRequest;
  /** The object's bytes (a view of the body). */
  readonly objectBytes: Buffer;
}

/** The envelope's object, as the whole body's parse would have given it in `request.object`. */
export function parseEnvelopeObject(envelope: AdmissionEnvelope): unknown {
  return JSON.parse(envelope.objectBytes.toString('utf8')) as unknown;
}

/**
 * Reads a raw AdmissionReview body without parsing `request.object`: the body with the object's
 * bytes replaced by `null` goes through JSON.parse and parseAdmissionReview, so every other part is
 * read and checked as in a whole parse. Undefined for anything unusual (the object not a JSON
 * object, invalid JSON around it, a review parseAdmissionReview rejects, duplicate keys): the
 * caller parses the whole body then, which also words any error.
 */
export function readAdmissionEnvelope(raw: Buffer): AdmissionEnvelope | undefined {
  const range = locateReviewObject(raw);
  if (range === undefined) return undefined;
  // The range starts at `{` and ends after `}`: ASCII, so the two parts decode as the whole would.
  const text = `${raw.toString('utf8', 0, range.start)}null${raw.toString('utf8', range.end)}`;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  // The null must be where the lexer saw the object: otherwise the whole parse decides.
  const request = (body as { request?: { object?: unknown } } | null)?.request;
  if (request?.object !== null) return undefined;
  const parsed = parseAdmissionReview(body);
  if (!parsed.ok) return undefined;
  return {
    request: parsed.request,
    objectBytes: raw.subarray(range.start, range.end),
  };
}
