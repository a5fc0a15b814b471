import type { AdmissionDecision, AdmissionStatus } from './admission-review.js';
import { admissionReviewParts, jsonText } from './review-json.js';

/** What an admission answer says, for the request's log line and metric. */
export interface AnswerSummary {
  readonly outcome: AdmissionDecision['outcome'];
  readonly allowed: boolean;
  readonly patchOperations: number;
  readonly status: AdmissionStatus | undefined;
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

export interface CachedAnswer {
  readonly summary: AnswerSummary;
  readonly rest: Buffer;
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

/** The answer for `uid`: its head, then the cached rest. */
export function answerFor(uid: string, rest: Buffer): PreparedAnswer {
  return { head: `${HEAD_BEFORE_UID}${jsonText(uid) ?? '""'}`, rest };
}

/**
 * The decision as an answer with its uid apart, byte for byte `JSON.stringify` of the
 * AdmissionReview (admissionReviewParts); the patch, most of a large answer, is copied once here
 * and then written from this buffer for every request with the same answer.
 */
export function prepareAnswer(uid: string, decision: AdmissionDecision): CachedAnswer {
  const { head, patch, tail } = admissionReviewParts(uid, decision);
  const before = `${HEAD_BEFORE_UID}${jsonText(uid) ?? '""'}`;
  if (!head.startsWith(before)) throw new Error('an admission answer starts with its uid');
  const after = head.slice(before.length);
  const rest =
    patch === undefined
      ? Buffer.from(after + tail, 'utf8')
      : Buffer.concat([
          Buffer.from(after, 'utf8'),
          Buffer.from(patch, 'latin1'),
          Buffer.from(tail, 'utf8'),
        ]);
  return {
    rest,
    summary: {
      outcome: decision.outcome,
      allowed: decision.allowed,
      patchOperations: decision.patch.length,
      status: decision.status,
    },
  };
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
 * pauses up to 15 ms, against 0.004 ms and 1.3-4 ms with this copy (bench/webhook-cpu.ts).
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
    const size = answer.rest.length;
    if (objectBytes.length + size > this.limits.bytes) return;
    let variants = this.byObject.get(objectBytes);
    if (variants === undefined) {
      variants = [];
      this.byObject.set(objectBytes, variants);
      this.bytes += objectBytes.length;
    }
    const index = variants.findIndex((variant) => sameKey(variant.key, key));
    if (index >= 0) {
      this.bytes -= variants[index]!.answer.rest.length;
      variants.splice(index, 1);
    } else if (variants.length >= VARIANTS_PER_OBJECT) {
      this.bytes -= variants.shift()!.answer.rest.length;
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
      for (const variant of variants) this.bytes -= variant.answer.rest.length;
    }
  }
}
