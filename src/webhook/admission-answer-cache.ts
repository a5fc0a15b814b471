import type { AdmissionDecision, AdmissionStatus } from './admission-review.js';
import { admissionReviewParts, jsonText, type AdmissionReviewParts } from './review-json.js';

/** What an admission answer says, for the request's log line and metric. */
export interface AnswerSummary {
  readonly outcome: AdmissionDecision['outcome'];
  readonly allowed: boolean;
  readonly patchOperations: number;
  readonly status: AdmissionStatus | undefined;
}

/** The summary of a decision, for its log line and metric (kept with a cached answer). */
export function summaryOf(decision: AdmissionDecision): AnswerSummary {
  return {
    outcome: decision.outcome,
    allowed: decision.allowed,
    patchOperations: decision.patch.length,
    status: decision.status,
  };
}

/**
 * An admission answer with its uid apart: `head` (the JSON up to and including the uid) is
 * written per request, `rest` (the bytes after the uid: allowed, the base64 patch, warnings,
 * status) is the same for every request that gets this answer.
 */
export interface PreparedAnswer {
  readonly head: string;
  readonly rest: Buffer;
}

/** An answer as kept: its JSON after the uid, the base64 patch apart (ASCII, written as latin1). */
export interface CachedAnswer {
  readonly summary: AnswerSummary;
  readonly afterUid: string;
  readonly patch: string | undefined;
  readonly tail: string;
  /** The three joined as bytes, made when the answer is first given again. */
  rest: Buffer | undefined;
}

/** What an admission decision depends on besides the object's bytes. */
export interface AnswerKey {
  readonly endpoint: 'mutate' | 'validate';
  readonly operation: string;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  /** The handlers' decision scope (the policy in effect): compared by identity. */
  readonly scope: unknown;
}

interface Variant {
  readonly key: AnswerKey;
  readonly answer: CachedAnswer;
}

const HEAD_BEFORE_UID =
  '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":';

function headFor(uid: string): string {
  return `${HEAD_BEFORE_UID}${jsonText(uid) ?? '""'}`;
}

/**
 * The decision as an answer to keep, and its parts for this request (admissionReviewParts, byte
 * for byte `JSON.stringify` of the AdmissionReview): a first answer costs what it did before
 * the cache, nothing is copied until the answer is given again.
 */
export function prepareAnswer(
  uid: string,
  decision: AdmissionDecision,
): { readonly cached: CachedAnswer; readonly parts: AdmissionReviewParts } {
  const parts = admissionReviewParts(uid, decision);
  const before = headFor(uid);
  if (!parts.head.startsWith(before)) throw new Error('an admission answer starts with its uid');
  const cached: CachedAnswer = {
    afterUid: parts.head.slice(before.length),
    patch: parts.patch,
    tail: parts.tail,
    rest: undefined,
    summary: summaryOf(decision),
  };
  return { cached, parts };
}

/**
 * A kept answer for `uid`. The bytes after the uid are joined into one buffer the first time
 * (the patch, most of a large answer, copied once) and written from it from then on.
 */
export function answerFor(uid: string, cached: CachedAnswer): PreparedAnswer {
  cached.rest ??=
    cached.patch === undefined
      ? Buffer.from(cached.afterUid + cached.tail, 'utf8')
      : Buffer.concat([
          Buffer.from(cached.afterUid, 'utf8'),
          Buffer.from(cached.patch, 'latin1'),
          Buffer.from(cached.tail, 'utf8'),
        ]);
  return { head: headFor(uid), rest: cached.rest };
}

/**
 * Bytes an answer holds, counted when it is kept: its strings (one byte a character, all but
 * non-Latin-1 warnings and messages) and the buffer made from them when it is given again.
 */
function answerBytes(answer: CachedAnswer): number {
  const text = answer.afterUid.length + (answer.patch?.length ?? 0) + answer.tail.length;
  return 2 * text;
}

export interface AnswerCacheLimits {
  /** Objects kept (each with up to VARIANTS_PER_OBJECT answers). */
  readonly objects: number;
  /** Object bytes plus answer bytes kept in all. */
  readonly bytes: number;
  /** Larger objects are not kept: rare, and each would push many others out. */
  readonly maxObjectBytes: number;
}

export const DEFAULT_ANSWER_CACHE_LIMITS: AnswerCacheLimits = {
  objects: 64,
  bytes: 24 * 1024 * 1024,
  maxObjectBytes: 1024 * 1024,
};

const VARIANTS_PER_OBJECT = 4;

function sameKey(a: AnswerKey, b: AnswerKey): boolean {
  return (
    a.endpoint === b.endpoint &&
    a.operation === b.operation &&
    a.namespace === b.namespace &&
    a.name === b.name &&
    a.scope === b.scope
  );
}

/**
 * The object's bytes as a latin1 string (one character per byte, so exact), the cache's key.
 *
 * A copy, made per request: the lookup could compare the bytes in place instead (a fingerprint
 * of sampled bytes, then Buffer.equals), but that left so little young garbage per cached answer
 * that scavenges became rare, and Node's per-request read buffers (external memory, 40 KB for a
 * 100-job collector) were then reclaimed by mark-compacts: GC 0.02-0.05 ms per request with
 * pauses up to 15 ms, against 0.004 ms and 1.3-4 ms with this copy (measured 2026-11 with a since-retired CPU benchmark).
 */
export function objectKey(objectBytes: Buffer): string {
  return objectBytes.toString('latin1');
}

/**
 * Recent admission answers by the exact bytes of the request's object (objectKey) and everything
 * else the decision depends on (AnswerKey). A hit needs byte-identical object bytes, whose parse
 * gave this answer before: the same input, the same answer, without parsing the object,
 * mutating it, diffing it or encoding the patch again. Bounded in entries and bytes; the oldest
 * object goes first.
 */
export class AdmissionAnswerCache {
  private readonly limits: AnswerCacheLimits;
  private readonly byObject = new Map<string, Variant[]>();
  private bytes = 0;

  constructor(limits: AnswerCacheLimits = DEFAULT_ANSWER_CACHE_LIMITS) {
    this.limits = limits;
  }

  get(objectBytes: string, key: AnswerKey): CachedAnswer | undefined {
    const variants = this.byObject.get(objectBytes);
    if (variants === undefined) return undefined;
    for (const variant of variants) if (sameKey(variant.key, key)) return variant.answer;
    return undefined;
  }

  set(objectBytes: string, key: AnswerKey, answer: CachedAnswer): void {
    if (objectBytes.length > this.limits.maxObjectBytes) return;
    const size = answerBytes(answer);
    if (objectBytes.length + size > this.limits.bytes) return;
    let variants = this.byObject.get(objectBytes);
    if (variants === undefined) {
      variants = [];
      this.byObject.set(objectBytes, variants);
      this.bytes += objectBytes.length;
    }
    const index = variants.findIndex((variant) => sameKey(variant.key, key));
    if (index >= 0) {
      this.bytes -= answerBytes(variants[index]!.answer);
      variants.splice(index, 1);
    } else if (variants.length >= VARIANTS_PER_OBJECT) {
      this.bytes -= answerBytes(variants.shift()!.answer);
    }
    variants.push({ key, answer });
    this.bytes += size;
    this.evict(objectBytes);
  }

  /** Objects kept now (for tests). */
  get size(): number {
    return this.byObject.size;
  }

  /** Bytes kept now (for tests). */
  get keptBytes(): number {
    return this.bytes;
  }

  private evict(keep: string): void {
    for (const [object, variants] of this.byObject) {
      if (this.byObject.size <= this.limits.objects && this.bytes <= this.limits.bytes) return;
      if (object === keep) continue;
      this.byObject.delete(object);
      this.bytes -= object.length;
      for (const variant of variants) this.bytes -= answerBytes(variant.answer);
    }
  }
}
