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

interface Entry {
  /** A copy of the object's bytes. */
  readonly object: Buffer;
  readonly variants: Variant[];
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

/** Bytes sampled across an object for its fingerprint. */
const SAMPLES = 32;

/**
 * The object's length and a few of its bytes spread across it: cheap to take (no copy of the
 * object, no hash over all of it) and it tells most different objects apart; the bytes are
 * compared in full before an answer is reused.
 */
function fingerprint(object: Buffer): string {
  const length = object.length;
  let text = `${length}:`;
  if (length <= SAMPLES) return text + object.toString('latin1');
  const step = (length - 1) / (SAMPLES - 1);
  for (let i = 0; i < SAMPLES; i++) text += String.fromCharCode(object[Math.round(i * step)]!);
  return text;
}

/**
 * Recent admission answers by the exact bytes of the request's object and everything else the
 * decision depends on (AnswerKey). A hit needs byte-identical object bytes, whose parse gave this
 * answer before: the same input, the same answer, without parsing the object, mutating it,
 * diffing it or encoding the patch again. Objects are found by a fingerprint, then compared byte
 * for byte. Bounded in objects and bytes; the oldest object goes first.
 */
export class AdmissionAnswerCache {
  private readonly limits: AnswerCacheLimits;
  /** Entries by fingerprint, in insertion order of their fingerprint. */
  private readonly entries = new Map<string, Entry[]>();
  private objects = 0;
  private bytes = 0;

  constructor(limits: AnswerCacheLimits = DEFAULT_ANSWER_CACHE_LIMITS) {
    this.limits = limits;
  }

  get(object: Buffer, key: AnswerKey): CachedAnswer | undefined {
    const entry = this.entries.get(fingerprint(object))?.find((e) => e.object.equals(object));
    return entry?.variants.find((variant) => sameKey(variant.key, key))?.answer;
  }

  set(object: Buffer, key: AnswerKey, answer: CachedAnswer): void {
    if (object.length > this.limits.maxObjectBytes) return;
    const size = answer.rest.length;
    if (object.length + size > this.limits.bytes) return;
    const print = fingerprint(object);
    let candidates = this.entries.get(print);
    if (candidates === undefined) {
      candidates = [];
      this.entries.set(print, candidates);
    }
    let entry = candidates.find((e) => e.object.equals(object));
    if (entry === undefined) {
      entry = { object: Buffer.from(object), variants: [] };
      candidates.push(entry);
      this.objects++;
      this.bytes += object.length;
    }
    const { variants } = entry;
    const index = variants.findIndex((variant) => sameKey(variant.key, key));
    if (index >= 0) {
      this.bytes -= variants[index]!.answer.rest.length;
      variants.splice(index, 1);
    } else if (variants.length >= VARIANTS_PER_OBJECT) {
      this.bytes -= variants.shift()!.answer.rest.length;
    }
    variants.push({ key, answer });
    this.bytes += size;
    this.evict(entry);
  }

  /** Objects kept now (for tests). */
  get size(): number {
    return this.objects;
  }

  /** Bytes kept now (for tests). */
  get keptBytes(): number {
    return this.bytes;
  }

  /** Oldest fingerprints first (and their oldest objects), never the entry just written. */
  private evict(keep: Entry): void {
    for (const [print, candidates] of this.entries) {
      while (candidates.length > 0) {
        if (this.objects <= this.limits.objects && this.bytes <= this.limits.bytes) return;
        const index = candidates[0] === keep ? 1 : 0;
        const gone = candidates[index];
        if (gone === undefined) break;
        candidates.splice(index, 1);
        this.objects--;
        this.bytes -= gone.object.length;
        for (const variant of gone.variants) this.bytes -= variant.answer.rest.length;
      }
      if (candidates.length === 0) this.entries.delete(print);
    }
  }
}
