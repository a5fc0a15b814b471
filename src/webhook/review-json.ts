import { admissionReviewResponse, type AdmissionDecision } from './admission-review.js';

/**
 * The admission answer as JSON, byte for byte `JSON.stringify(admissionReviewResponse(...))`, in
 * three parts: the base64 patch (most of a large answer) apart from the JSON around it, so the
 * server can write it as ASCII (a copy) rather than through UTF-8 encoding (Node 20 encodes a
 * 100 KB string to UTF-8 at about 1 byte/ns, twice per answer: the patch JSON and the answer).
 */
export interface AdmissionReviewParts {
  readonly head: string;
  /** The base64 patch, between the head's `"patch":"` and the tail's `"`; only ASCII. */
  readonly patch: string | undefined;
  readonly tail: string;
}

/**
 * Written out by hand because two steps of the plain route cost more than the admission itself
 * for a large collector: Node 20's `JSON.stringify` escapes long strings slowly (the patch carries
 * the whole rewritten config and the stash, tens of kilobytes), and the base64 patch needs no
 * escaping at all. A re-sent request carries the same large strings, so their JSON literals are
 * kept for a while.
 */
export function admissionReviewParts(
  uid: string,
  decision: AdmissionDecision,
): AdmissionReviewParts {
  let base64: string | undefined;
  const review = admissionReviewResponse(uid, decision, (patch) => {
    base64 = patchBase64(patch);
    return base64;
  });
  const { response } = review;
  let head = `{"apiVersion":${JSON.stringify(review.apiVersion)},"kind":${JSON.stringify(review.kind)},"response":{"uid":${jsonText(response.uid)},"allowed":${response.allowed}`;
  if (response.patchType !== undefined)
    head += `,"patchType":${JSON.stringify(response.patchType)}`;
  // Base64 has no character JSON escapes.
  if (base64 !== undefined) head += ',"patch":"';
  let tail = base64 === undefined ? '' : '"';
  if (response.warnings !== undefined) tail += `,"warnings":${jsonText(response.warnings)}`;
  if (response.status !== undefined) tail += `,"status":${jsonText(response.status)}`;
  return { head, patch: base64, tail: `${tail}}}` };
}

/** The admission answer as one JSON string (the parts joined). */
export function serialiseAdmissionReview(uid: string, decision: AdmissionDecision): string {
  const { head, patch, tail } = admissionReviewParts(uid, decision);
  return patch === undefined ? head + tail : head + patch + tail;
}

function patchBase64(patch: AdmissionDecision['patch']): string {
  const json = jsonText(patch) ?? 'null';
  // An all-ASCII text (the usual case) is the same bytes in latin1, which is a plain copy.
  const ascii = Buffer.byteLength(json, 'utf8') === json.length;
  return Buffer.from(json, ascii ? 'latin1' : 'utf8').toString('base64');
}

/** Strings at least this long (and at most the maximum, to bound the memory) have their literal kept. */
const LARGE_STRING = 2048;
const MAX_KEPT_STRING = 512 * 1024;
const LITERALS_KEPT = 64;
const literals = new Map<string, string>();

function literal(value: string): string {
  if (value.length < LARGE_STRING || value.length > MAX_KEPT_STRING) return JSON.stringify(value);
  let text = literals.get(value);
  if (text === undefined) {
    text = JSON.stringify(value);
    literals.set(value, text);
    if (literals.size > LITERALS_KEPT) literals.delete(literals.keys().next().value as string);
  }
  return text;
}

/** `JSON.stringify(value)` for plain JSON values (what admission objects and patches hold). */
export function jsonText(value: unknown): string | undefined {
  if (typeof value === 'string') return literal(value);
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++)
      out += `${i > 0 ? ',' : ''}${jsonText(value[i]) ?? 'null'}`;
    return `${out}]`;
  }
  let out = '{';
  let first = true;
  for (const key of Object.keys(value)) {
    const item = jsonText((value as Record<string, unknown>)[key]);
    if (item === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${item}`;
    first = false;
  }
  return `${out}}`;
}
