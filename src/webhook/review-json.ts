import { admissionReviewResponse, type AdmissionDecision } from './admission-review.js';

/**
 * The admission answer as JSON text, byte for byte `JSON.stringify(admissionReviewResponse(...))`.
 * Written out by hand because two steps of the plain route cost more than the admission itself
 * for a large collector: Node 20's `JSON.stringify` escapes long strings slowly (the patch carries
 * the whole rewritten config and the stash, tens of kilobytes), and the base64 patch needs no
 * escaping at all. A re-sent request carries the same large strings, so their JSON literals are
 * kept for a while.
 */
export function serialiseAdmissionReview(uid: string, decision: AdmissionDecision): string {
  const review = admissionReviewResponse(uid, decision, patchBase64);
  const { response } = review;
  let out = `{"apiVersion":${JSON.stringify(review.apiVersion)},"kind":${JSON.stringify(review.kind)},"response":{"uid":${jsonText(response.uid)},"allowed":${response.allowed}`;
  if (response.patchType !== undefined) out += `,"patchType":${JSON.stringify(response.patchType)}`;
  // Base64 has no character JSON escapes.
  if (response.patch !== undefined) out += `,"patch":"${response.patch}"`;
  if (response.warnings !== undefined) out += `,"warnings":${jsonText(response.warnings)}`;
  if (response.status !== undefined) out += `,"status":${jsonText(response.status)}`;
  return `${out}}}`;
}

function patchBase64(patch: AdmissionDecision['patch']): string {
  return Buffer.from(jsonText(patch) ?? 'null', 'utf8').toString('base64');
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
